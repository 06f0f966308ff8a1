//! What the benchmark reads about the tracker process from /proc.

use std::collections::HashSet;

/// Clock ticks per second in /proc (USER_HZ, 100 on Linux whatever the kernel's HZ).
pub const TICKS_PER_SECOND: f64 = 100.0;

/// The process's resident memory, in KiB.
pub fn rss_kib(pid: u32) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .ok_or_else(|| anyhow::anyhow!("no VmRSS for process {pid}"))
}

/// The process's CPU time so far (user and system, every thread), in clock ticks.
pub fn cpu_ticks(pid: u32) -> anyhow::Result<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    // The fields after the command name, which is in parentheses and may hold spaces; utime and
    // stime are fields 14 and 15 of the whole line.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or("", |(_, rest)| rest)
        .split_whitespace()
        .collect();
    let tick = |i: usize| fields.get(i).and_then(|f| f.parse::<u64>().ok());
    match (tick(11), tick(12)) {
        (Some(user), Some(system)) => Ok(user + system),
        _ => anyhow::bail!("unreadable /proc/{pid}/stat"),
    }
}

/// The machine's 1-minute load average: how busy it was with other work too.
pub fn load_average() -> anyhow::Result<f64> {
    let text = std::fs::read_to_string("/proc/loadavg")?;
    text.split_whitespace()
        .next()
        .and_then(|l| l.parse().ok())
        .ok_or_else(|| anyhow::anyhow!("unreadable /proc/loadavg"))
}

/// The process's established TCP connections to port 6379: its socket inodes (from its file
/// descriptors) matched against the kernel's TCP tables.
pub fn redis_connections(pid: u32) -> anyhow::Result<usize> {
    let mut inodes = HashSet::new();
    for entry in std::fs::read_dir(format!("/proc/{pid}/fd"))? {
        // A descriptor can close between listing and reading; skip it.
        let Ok(target) = std::fs::read_link(entry?.path()) else {
            continue;
        };
        if let Some(inode) = target
            .to_str()
            .and_then(|t| t.strip_prefix("socket:["))
            .and_then(|t| t.strip_suffix(']'))
        {
            inodes.insert(inode.to_owned());
        }
    }
    let mut count = 0;
    for table in ["tcp", "tcp6"] {
        let text = std::fs::read_to_string(format!("/proc/{pid}/net/{table}"))?;
        for line in text.lines().skip(1) {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let (Some(remote), Some(state), Some(inode)) =
                (fields.get(2), fields.get(3), fields.get(9))
            else {
                continue;
            };
            let port = remote
                .rsplit(':')
                .next()
                .map(|p| u16::from_str_radix(p, 16));
            // State 01 is ESTABLISHED.
            if *state == "01" && port == Some(Ok(6379)) && inodes.contains(*inode) {
                count += 1;
            }
        }
    }
    Ok(count)
}
