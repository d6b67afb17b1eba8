//! A bundle on disk holding runc's example config, for validation tests to break one field at
//! a time.

use crate::spec::testdir::TestDir;
use crate::spec::{template, validate, Spec};
use std::path::{Path, PathBuf};

pub struct Bundle(TestDir);

impl Bundle {
    pub fn new() -> Bundle {
        let dir = TestDir::new("bundle");
        std::fs::create_dir(dir.path().join("rootfs")).unwrap();
        Bundle(dir)
    }

    pub fn path(&self) -> &Path {
        self.0.path()
    }

    pub fn config(&self) -> PathBuf {
        self.path().join("config.json")
    }

    pub fn spec(&self) -> Spec {
        template::example()
    }
}

/// The one-line error `validate` gives for `spec`; panics if it passes.
pub fn fails(spec: &Spec, bundle: &Bundle) -> String {
    let e = validate(spec, bundle.path()).expect_err("config should be refused");
    let text = e.to_string();
    assert!(!text.contains('\n'), "{text}");
    assert!(
        text.starts_with(&format!("{}: ", bundle.config().display())),
        "{text}"
    );
    text
}
