//! Lifecycle under concurrency: distinct containers do not disturb each
//! other, and the same id is serialised by the state-dir lock.

mod common;

use common::*;
use serde_json::json;
use std::thread;

#[test]
fn twenty_parallel_lifecycles_all_succeed_and_leave_nothing() {
    let mut bundle = Bundle::new();
    bundle.set("process.args", json!(["sleep", "1000"]));
    bundle.write();
    let ids: Vec<String> = (0..20).map(|_| bundle.id()).collect();
    thread::scope(|s| {
        let workers: Vec<_> = ids
            .iter()
            .map(|id| {
                let bundle = &bundle;
                s.spawn(move || {
                    husk(&["create", "--bundle", bundle.dir_str(), id]).assert_ok();
                    husk(&["start", id]).assert_ok();
                    assert_eq!(state(id)["status"], "running", "{id}");
                    husk(&["delete", "--force", id]).assert_ok();
                    assert_no_state(id);
                    assert_no_cgroup(id);
                })
            })
            .collect();
        for worker in workers {
            worker.join().expect("lifecycle thread");
        }
    });
    assert_no_mounts_under(bundle.dir());
    assert_no_processes_in(&bundle.rootfs());
}

#[test]
fn five_parallel_creates_of_one_id_yield_exactly_one_container() {
    let mut bundle = Bundle::new();
    bundle.set("process.args", json!(["sleep", "1000"]));
    bundle.write();
    let id = bundle.id();
    let outcomes: Vec<Out> = thread::scope(|s| {
        let racers: Vec<_> = (0..5)
            .map(|_| s.spawn(|| husk(&["create", "--bundle", bundle.dir_str(), &id])))
            .collect();
        racers.into_iter().map(|r| r.join().unwrap()).collect()
    });
    let winners = outcomes.iter().filter(|o| o.success()).count();
    assert_eq!(winners, 1, "{outcomes:#?}");
    for loser in outcomes.iter().filter(|o| !o.success()) {
        assert_eq!(loser.code(), 1, "{loser}");
    }
    let created = state(&id);
    assert_eq!(created["status"], "created");
    let pid = created["pid"].as_i64().unwrap();
    assert_eq!(
        processes_in(&bundle.rootfs()),
        [pid as u32],
        "losers left processes behind"
    );
    husk(&["delete", "--force", &id]).assert_ok();
    bundle.assert_clean(&id);
}
