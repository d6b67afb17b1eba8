"""A one-layer busybox image, made from the project's own bundle rootfs.

It is written in the `docker save` layout (manifest.json, an image config,
one layer tar), which `podman load`, `ctr images import` and `docker load`
all read, so every engine runs the same bits without a registry.
"""

import hashlib
import io
import json
import os
import subprocess
import tarfile

NAME = "localhost/husk-busybox:test"


def build(rootfs, workdir):
    if not os.path.isfile(os.path.join(rootfs, "bin/busybox")):
        raise SystemExit("engine suite: %s has no bin/busybox (run scripts/mkbundle target/bundle)" % rootfs)
    layer = os.path.join(workdir, "layer.tar")
    subprocess.run(
        ["tar", "--numeric-owner", "--owner=0", "--group=0", "-C", rootfs, "-cf", layer, "."],
        check=True,
    )
    with open(layer, "rb") as f:
        diff_id = "sha256:" + hashlib.sha256(f.read()).hexdigest()
    config = json.dumps(
        {
            "architecture": "amd64",
            "os": "linux",
            "config": {
                "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
                "Cmd": ["sh"],
            },
            "rootfs": {"type": "layers", "diff_ids": [diff_id]},
        }
    ).encode()
    config_name = hashlib.sha256(config).hexdigest() + ".json"
    manifest = json.dumps([{"Config": config_name, "RepoTags": [NAME], "Layers": ["layer.tar"]}]).encode()
    archive = os.path.join(workdir, "image.tar")
    with tarfile.open(archive, "w") as tar:
        for name, data in (("manifest.json", manifest), (config_name, config)):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        tar.add(layer, "layer.tar")
    os.unlink(layer)
    return archive
