//! Child processes (killed when dropped, and when loadgen itself dies),
//! their resident memory, the open-files limit, a scratch directory, and
//! waiting for a spawned server to answer `/healthz`.

use std::net::SocketAddr;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Raises the soft open-files limit to the hard one; children inherit it.
pub fn raise_nofile() -> Result<u64, String> {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: plain syscalls on a valid, owned struct.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) != 0 {
            return Err(format!("getrlimit: {}", std::io::Error::last_os_error()));
        }
        lim.rlim_cur = lim.rlim_max;
        if libc::setrlimit(libc::RLIMIT_NOFILE, &lim) != 0 {
            return Err(format!("setrlimit: {}", std::io::Error::last_os_error()));
        }
    }
    #[allow(clippy::unnecessary_cast)] // rlim_t is not u64 everywhere
    Ok(lim.rlim_cur as u64)
}

/// A spawned server: killed (SIGKILL) and reaped when dropped, also when
/// loadgen unwinds on an error; if loadgen is killed outright, the kernel
/// kills it too (`PR_SET_PDEATHSIG`).
pub struct ChildGuard {
    pub name: &'static str,
    child: Option<Child>,
    pub log: PathBuf,
}

impl ChildGuard {
    pub fn spawn(
        name: &'static str,
        program: &Path,
        args: &[&str],
        env: &[(&str, String)],
        log: PathBuf,
    ) -> Result<Self, String> {
        let out = std::fs::File::create(&log).map_err(|e| format!("{}: {e}", log.display()))?;
        let err = out.try_clone().map_err(|e| e.to_string())?;
        let mut cmd = Command::new(program);
        cmd.args(args).stdin(Stdio::null()).stdout(out).stderr(err);
        for (k, v) in env {
            cmd.env(k, v);
        }
        // SAFETY: only async-signal-safe calls between fork and exec.
        unsafe {
            cmd.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                let mut lim = libc::rlimit {
                    rlim_cur: 0,
                    rlim_max: 0,
                };
                if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) == 0 {
                    lim.rlim_cur = lim.rlim_max;
                    libc::setrlimit(libc::RLIMIT_NOFILE, &lim);
                }
                Ok(())
            });
        }
        let child = cmd
            .spawn()
            .map_err(|e| format!("cannot start {} ({}): {e}", name, program.display()))?;
        Ok(Self {
            name,
            child: Some(child),
            log,
        })
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().map_or(0, Child::id)
    }

    /// `Err` with the exit status when the process already stopped.
    pub fn check_running(&mut self) -> Result<(), String> {
        match self.child.as_mut().map(Child::try_wait) {
            Some(Ok(None)) => Ok(()),
            Some(Ok(Some(status))) => Err(format!(
                "{} exited ({status}); log tail:\n{}",
                self.name,
                self.log_tail()
            )),
            Some(Err(e)) => Err(format!("{}: {e}", self.name)),
            None => Err(format!("{} was stopped", self.name)),
        }
    }

    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(15)..].join("\n")
    }

    /// Resident set size in bytes (`VmRSS` in /proc/<pid>/status).
    pub fn rss(&self) -> Result<u64, String> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid()))
            .map_err(|e| format!("{} status: {e}", self.name))?;
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .map(|kb| kb * 1024)
            .ok_or_else(|| format!("{}: no VmRSS", self.name))
    }

    /// CPU time used so far, user and system, in seconds (/proc/<pid>/stat).
    pub fn cpu_seconds(&self) -> Result<f64, String> {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.pid()))
            .map_err(|e| format!("{} stat: {e}", self.name))?;
        // Fields after the command name, which is in parentheses: state is
        // field 3, utime 14 and stime 15.
        let rest = stat
            .rsplit_once(')')
            .map(|(_, r)| r)
            .ok_or_else(|| format!("{}: unreadable stat", self.name))?;
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<u64>().ok());
        let (Some(user), Some(system)) = (ticks(11), ticks(12)) else {
            return Err(format!("{}: no CPU times in stat", self.name));
        };
        // SAFETY: sysconf only reads a constant of the system.
        let per_second = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as f64;
        Ok((user + system) as f64 / per_second)
    }

    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            // Reaping a SIGKILLed process is quick; bound it anyway.
            let until = Instant::now() + Duration::from_secs(5);
            while Instant::now() < until {
                match child.try_wait() {
                    Ok(Some(_)) | Err(_) => return,
                    Ok(None) => std::thread::sleep(Duration::from_millis(20)),
                }
            }
            eprintln!(
                "warning: {} (pid {}) did not exit after SIGKILL",
                self.name,
                child.id()
            );
        }
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Polls `GET /healthz` on `addr` until it answers 200 (20 s at most),
/// failing early with the log tail when `child` exits.
pub async fn wait_healthy(addr: SocketAddr, child: &mut ChildGuard) -> Result<(), String> {
    for _ in 0..200 {
        child.check_running()?;
        if let Ok(r) =
            crate::http::request(addr, "GET", "/healthz", None, None, Duration::from_secs(2)).await
            && r.status == 200
        {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err(format!(
        "{} not healthy on {addr} after 20 s; log tail:\n{}",
        child.name,
        child.log_tail()
    ))
}

/// A directory under the system temp dir, removed when dropped.
pub struct ScratchDir(pub PathBuf);

impl ScratchDir {
    pub fn new() -> Result<Self, String> {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let dir = std::env::temp_dir().join(format!("loadgen-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        Ok(Self(dir))
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Clock ticks a second (`/proc/*/stat` counts CPU time in them).
fn ticks_per_second() -> f64 {
    // SAFETY: sysconf only reads a constant of the system.
    (unsafe { libc::sysconf(libc::_SC_CLK_TCK) }).max(1) as f64
}

/// `(ppid, utime + stime, cutime + cstime)` of a process, in ticks.
fn stat_times(pid: u32) -> Option<(u32, u64, u64)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let n = |i: usize| fields.get(i).and_then(|f| f.parse::<u64>().ok());
    // After the name: state (0), ppid (1), ..., utime (11), stime (12),
    // cutime (13), cstime (14).
    Some((u32::try_from(n(1)?).ok()?, n(11)? + n(12)?, n(13)? + n(14)?))
}

/// CPU seconds used by a server made of processes (PostgreSQL): `root`, its
/// children alive now, and the children it already reaped.
pub fn tree_cpu_seconds(root: u32) -> Result<f64, String> {
    let (_, own, reaped) = stat_times(root).ok_or_else(|| format!("no process {root}"))?;
    let mut ticks = own + reaped;
    let dir = std::fs::read_dir("/proc").map_err(|e| format!("/proc: {e}"))?;
    for entry in dir.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        if let Some((ppid, t, _)) = stat_times(pid)
            && ppid == root
        {
            ticks += t;
        }
    }
    Ok(ticks as f64 / ticks_per_second())
}
