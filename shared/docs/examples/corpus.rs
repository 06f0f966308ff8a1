//! Renders every spec under a directory and counts the outcomes: ok, refused with a documented
//! [`ParseError`](specdoc_docs::ParseError) (by reason), panicked, or timed out; then the
//! slowest specs. Each spec runs in a child process (this binary with `--one FILE`), so a hang
//! is killed at the time limit and a crash cannot take the run down; inside the child, panics are
//! caught with `catch_unwind` and reported with their message.
//!
//! `cargo run --release -p specdoc-docs --example corpus -- DIR [--timeout-secs N] [--jobs N]`
//! (the exit status is 1 when anything panicked or timed out).

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use specdoc_docs::{Limits, html, markdown, parse, score};

enum Outcome {
    Ok,
    Refused(String),
    Panicked(String),
    TimedOut,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--one") {
        let file = args.get(1).ok_or("usage: corpus --one FILE")?;
        one(Path::new(file));
        return Ok(());
    }
    let dir = args
        .first()
        .ok_or("usage: corpus DIR [--timeout-secs N] [--jobs N]")?;
    let flag = |name: &str, default: u64| -> u64 {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let timeout = Duration::from_secs(flag("--timeout-secs", 20));
    let jobs = flag("--jobs", 2).max(1) as usize;
    let mut files = Vec::new();
    walk(Path::new(dir), &mut files)?;
    files.sort();
    let me = std::env::current_exe()?;
    let queue = Mutex::new(files.iter());
    let results = Mutex::new(Vec::with_capacity(files.len()));
    let start = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..jobs {
            s.spawn(|| {
                loop {
                    let next = queue.lock().map(|mut q| q.next().cloned());
                    let Ok(Some(file)) = next else { break };
                    let t = Instant::now();
                    let outcome = run_child(&me, &file, timeout);
                    let took = t.elapsed();
                    if let Ok(mut r) = results.lock() {
                        r.push((file, outcome, took));
                    }
                }
            });
        }
    });
    let results = results.into_inner().map_err(|_| "poisoned")?;
    report(dir, &results, start.elapsed(), timeout)
}

fn report(
    dir: &str,
    results: &[(PathBuf, Outcome, Duration)],
    wall: Duration,
    timeout: Duration,
) -> Result<(), Box<dyn std::error::Error>> {
    let mut ok = 0;
    let mut refused: BTreeMap<&str, Vec<&Path>> = BTreeMap::new();
    let mut bad = Vec::new();
    for (file, outcome, _) in results {
        match outcome {
            Outcome::Ok => ok += 1,
            Outcome::Refused(reason) => refused.entry(reason).or_default().push(file),
            Outcome::Panicked(msg) => bad.push(format!("PANIC   {}: {msg}", file.display())),
            Outcome::TimedOut => bad.push(format!(
                "TIMEOUT {} (over {}s)",
                file.display(),
                timeout.as_secs()
            )),
        }
    }
    let panicked = results
        .iter()
        .filter(|r| matches!(r.1, Outcome::Panicked(_)))
        .count();
    let timed_out = results
        .iter()
        .filter(|r| matches!(r.1, Outcome::TimedOut))
        .count();
    println!(
        "{} specs under {dir} in {:.1}s",
        results.len(),
        wall.as_secs_f64()
    );
    println!("ok:        {ok}");
    let n_refused: usize = refused.values().map(Vec::len).sum();
    println!("refused:   {n_refused} (a documented ParseError)");
    for (reason, files) in &refused {
        println!("  {reason}: {}", files.len());
        for f in files.iter().take(3) {
            println!("    e.g. {}", f.display());
        }
    }
    println!("panicked:  {panicked}");
    println!("timed out: {timed_out}");
    for b in &bad {
        println!("  {b}");
    }
    let mut slow: Vec<_> = results.iter().collect();
    slow.sort_by_key(|r| std::cmp::Reverse(r.2));
    println!("slowest (parse + score + Markdown + HTML, in a child process):");
    for (file, _, took) in slow.iter().take(5) {
        let size = std::fs::metadata(file).map(|m| m.len()).unwrap_or(0);
        println!(
            "  {:>7.0} ms  {} ({} KiB)",
            took.as_secs_f64() * 1000.0,
            file.display(),
            size / 1024
        );
    }
    if panicked + timed_out > 0 {
        std::process::exit(1);
    }
    Ok(())
}

/// Spec-looking files: `.json`, `.yaml`, `.yml`.
fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let p = entry?.path();
        if p.is_dir() {
            walk(&p, out)?;
        } else if matches!(
            p.extension().and_then(|e| e.to_str()),
            Some("json" | "yaml" | "yml")
        ) {
            out.push(p);
        }
    }
    Ok(())
}

fn run_child(me: &Path, file: &Path, timeout: Duration) -> Outcome {
    let child = Command::new(me)
        .arg("--one")
        .arg(file)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) => return Outcome::Panicked(format!("could not start: {e}")),
    };
    let start = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if start.elapsed() > timeout => {
                let _ = child.kill();
                let _ = child.wait();
                return Outcome::TimedOut;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(2)),
            Err(e) => return Outcome::Panicked(format!("wait failed: {e}")),
        }
    }
    let mut out = String::new();
    if let Some(mut s) = child.stdout.take() {
        let _ = s.read_to_string(&mut out);
    }
    let line = out.lines().last().unwrap_or("");
    if line == "ok" {
        Outcome::Ok
    } else if let Some(reason) = line.strip_prefix("refused ") {
        Outcome::Refused(reason.to_string())
    } else if let Some(msg) = line.strip_prefix("panic ") {
        Outcome::Panicked(msg.to_string())
    } else {
        Outcome::Panicked(format!("child died without a verdict: {line:?}"))
    }
}

/// The child: parse, score and render one spec; print one verdict line.
fn one(file: &Path) {
    std::panic::set_hook(Box::new(|_| {}));
    let Ok(bytes) = std::fs::read(file) else {
        println!("refused unreadable");
        return;
    };
    let result = std::panic::catch_unwind(|| match parse(&bytes, &Limits::default()) {
        Ok(spec) => {
            let sc = score::score(&spec);
            let md = markdown::render(&spec, Some(&sc));
            let page = html::render(&spec, Some(&sc));
            assert!(!md.is_empty() && !page.is_empty());
            "ok".to_string()
        }
        Err(e) => format!("refused {}", e.reason()),
    });
    match result {
        Ok(line) => println!("{line}"),
        Err(p) => {
            let msg = p
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| p.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "non-string panic".to_string());
            println!("panic {}", msg.replace('\n', " "));
        }
    }
}
