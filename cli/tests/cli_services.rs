//! The CLI against separately running services (scheduler, worker and tracker at different
//! addresses): every networked command, its output and its exit code; and Ctrl-C during a
//! watch stops the watch, not the job.
#![allow(clippy::unwrap_used)]

mod common;

use common::Deployment;
use specdoc_testkit::{ChildGuard, binary};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

struct Cli {
    scheduler: String,
    tracker: String,
}

impl Cli {
    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(binary("specdoc"));
        command
            .args(args)
            .current_dir(specdoc_testkit::repo_root())
            .env("SPECDOC_SCHEDULER_URL", &self.scheduler)
            .env("SPECDOC_TRACKER_URL", &self.tracker)
            .env("SPECDOC_TOKEN", specdoc_testkit::ADMIN_TOKEN);
        command
    }

    /// Runs the CLI; (exit code, stdout, stderr).
    fn run(&self, args: &[&str]) -> (i32, String, String) {
        let output = self.command(args).output().unwrap();
        (
            output.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    }
}

async fn services(with_worker: bool) -> (Cli, Vec<ChildGuard>) {
    let deployment = Deployment::new().await;
    let (scheduler, _, scheduler_port) = deployment
        .spawn_serving_on_port("specdoc-scheduler", &[], |_| {})
        .await;
    let (tracker, _, tracker_port) = deployment
        .spawn_serving_on_port("specdoc-tracker", &[], |_| {})
        .await;
    let mut processes = vec![scheduler, tracker];
    if with_worker {
        processes.push(deployment.spawn_serving("specdoc-worker", &[]).await.0);
    }
    let cli = Cli {
        scheduler: format!("http://127.0.0.1:{scheduler_port}"),
        tracker: format!("http://127.0.0.1:{tracker_port}"),
    };
    (cli, processes)
}

#[tokio::test(flavor = "multi_thread")]
async fn every_command_works_against_separate_services() {
    let (cli, _processes) = services(true).await;
    let submit = [
        "submit",
        "examples/petstore.yaml",
        "--team-id",
        "ops",
        "--service-name",
        "petstore",
        "--watch",
    ];
    let (code, out, err) = cli.run(&submit);
    assert_eq!(code, 0, "{out}\n{err}");
    let job_id = out
        .lines()
        .next()
        .unwrap()
        .split_whitespace()
        .nth(1)
        .unwrap()
        .to_owned();
    assert!(out.lines().last().unwrap().contains("completed"), "{out}");

    let (code, out, _) = cli.run(&["status", &job_id]);
    assert_eq!(
        (code, out.contains("state      completed")),
        (0, true),
        "{out}"
    );
    let dir = specdoc_testkit::TempDir::new();
    let (code, out, _) = cli.run(&["result", &job_id, "--out", dir.path().to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
    assert!(dir.path().join("petstore.md").is_file() && dir.path().join("petstore.html").is_file());
    let (code, out, _) = cli.run(&["list-jobs", "--team-id", "ops"]);
    assert_eq!(code, 0);
    assert!(out.contains(&job_id), "{out}");
    let (code, out, _) = cli.run(&["queue"]);
    assert_eq!(code, 0);
    assert!(out.contains("workers     1"), "{out}");
    let (code, out, _) = cli.run(&["active"]);
    assert_eq!((code, out.trim()), (0, "no job is running"));
    let (code, out, _) = cli.run(&["stats", "--team-id", "ops", "--days", "1"]);
    assert_eq!(code, 0);
    assert!(out.contains("1 jobs"), "{out}");
    let (code, out, _) = cli.run(&["health"]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(
        out.lines().filter(|l| l.contains(" ok ")).count(),
        5,
        "{out}"
    );
    let (code, _, err) = cli.run(&["cancel", &job_id]);
    assert_eq!(code, 1);
    assert!(err.contains("already finished"), "{err}");

    // A missing job says so.
    let (code, out, err) = cli.run(&["status", "0190c6e4-0000-7000-8000-000000000000"]);
    assert_eq!(code, 1, "{out}");
    assert!(err.contains("not found"), "{err}");
    // With the tracker's address wrong, the error says what to do.
    let wrong = Cli {
        scheduler: cli.scheduler.clone(),
        tracker: format!("http://127.0.0.1:{}", specdoc_testkit::free_port()),
    };
    let (code, _, err) = wrong.run(&["status", &job_id]);
    assert_eq!(code, 1);
    assert!(
        err.contains("cannot reach the tracker") && err.contains("specdoc up"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn ctrl_c_stops_the_watch_and_leaves_the_job_alone() {
    let (cli, _processes) = services(false).await;
    let (code, out, err) = cli.run(&[
        "submit",
        "examples/petstore.yaml",
        "--team-id",
        "ops",
        "--service-name",
        "petstore",
    ]);
    assert_eq!(code, 0, "{err}");
    let job_id = out.split_whitespace().nth(1).unwrap().to_owned();
    let mut watch = ChildGuard(
        cli.command(&["watch", &job_id])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    // The first event (accepted) arrives; no worker runs, so the watch then waits.
    let stdout = watch.0.stdout.take().unwrap();
    let first = tokio::task::spawn_blocking(move || {
        BufReader::new(stdout).lines().next().unwrap().unwrap()
    })
    .await
    .unwrap();
    assert!(first.contains("queued"), "{first}");
    watch.signal("INT");
    let status = tokio::task::spawn_blocking(move || {
        let status = watch.0.wait().unwrap();
        let mut err = String::new();
        std::io::Read::read_to_string(&mut watch.0.stderr.take().unwrap(), &mut err).unwrap();
        (status.code(), err)
    });
    let (code, err) = tokio::time::timeout(Duration::from_secs(10), status)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(code, Some(130), "{err}");
    assert!(err.contains("stopped watching"), "{err}");
    let (_, out, _) = cli.run(&["status", &job_id]);
    assert!(out.contains("state      queued"), "the job goes on: {out}");
}

#[tokio::test(flavor = "multi_thread")]
async fn several_specs_are_submitted_in_one_call_all_or_none() {
    let (cli, _processes) = services(false).await;
    let dir = specdoc_testkit::TempDir::new();
    let petstore = specdoc_testkit::example("petstore.yaml");
    let orders = dir.path().join("orders.yaml");
    let billing = dir.path().join("billing.json");
    let broken = dir.path().join("broken.yaml");
    std::fs::write(&orders, &petstore).unwrap();
    std::fs::write(
        &billing,
        br#"{"openapi": "3.1.0", "info": {"title": "b", "version": "1"}, "paths": {}}"#,
    )
    .unwrap();
    std::fs::write(&broken, b"title: no version here\n").unwrap();
    let (orders, billing, broken) = (
        orders.to_str().unwrap(),
        billing.to_str().unwrap(),
        broken.to_str().unwrap(),
    );

    // One bad file refuses them all, and the error names it.
    let (code, out, err) = cli.run(&["submit", orders, broken, billing, "--team-id", "ops"]);
    assert_eq!(code, 1, "{out}");
    assert!(
        err.contains(broken)
            && err.contains("no spec was submitted")
            && err.contains("jobs[1].spec"),
        "{err}"
    );
    let (_, out, _) = cli.run(&["list-jobs", "--team-id", "ops"]);
    assert_eq!(out.trim(), "no jobs");

    // One job per file, each named after its file, one line each in the files' order.
    let (code, out, err) = cli.run(&["submit", orders, billing, "--team-id", "ops"]);
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    for (line, (file, service)) in lines.iter().zip([(orders, "orders"), (billing, "billing")]) {
        assert!(
            line.starts_with("job ") && line.contains(" queued (position ") && line.ends_with(file),
            "{line}"
        );
        let job_id = line.split_whitespace().nth(1).unwrap();
        let (_, status, _) = cli.run(&["status", job_id]);
        assert!(
            status.contains(&format!("service    {service}")),
            "{status}"
        );
    }

    // --service-name names them all; JSON lists each job with its file.
    let (code, out, err) = cli.run(&[
        "submit",
        orders,
        billing,
        "--team-id",
        "ops",
        "--service-name",
        "shop",
        "--output",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    let printed: serde_json::Value = serde_json::from_str(&out).unwrap();
    let jobs = printed["jobs"].as_array().unwrap();
    assert_eq!(jobs.len(), 2);
    assert_eq!(jobs[1]["spec"], billing);
    assert_eq!(jobs[1]["state"], "queued");
    let (_, status, _) = cli.run(&["status", jobs[0]["job_id"].as_str().unwrap()]);
    assert!(status.contains("service    shop"), "{status}");

    // Flags that concern one job want one file.
    let (code, _, err) = cli.run(&["submit", orders, billing, "--team-id", "ops", "--watch"]);
    assert_eq!(code, 1);
    assert!(err.contains("--watch follows one job"), "{err}");
}
