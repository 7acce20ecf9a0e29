//! A throwaway PostgreSQL server for `--instances`: started with the
//! project's `tests/pg.sh start DIR`, stopped with `tests/pg.sh stop DIR`
//! (which also removes DIR) when the guard is dropped: at the end, on an
//! error, on Ctrl-C or SIGTERM, and when the run's time cap is reached.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{SystemTime, UNIX_EPOCH};

pub struct PgServer {
    script: PathBuf,
    dir: PathBuf,
    /// `postgres://postgres@127.0.0.1:PORT/causerie`.
    pub url: String,
    /// The postmaster's pid (its CPU and its children's are the server's).
    pub pid: Option<u32>,
}

/// The default `tests/pg.sh`: the workspace's, as built; else the current
/// directory's.
pub fn default_script() -> PathBuf {
    let built = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/pg.sh");
    if built.is_file() {
        built
    } else {
        PathBuf::from("tests/pg.sh")
    }
}

impl PgServer {
    /// Starts a server in a fresh directory under the system temp dir
    /// (reachable by the `postgres` user when loadgen runs as root).
    pub fn start(script: &Path) -> Result<PgServer, String> {
        if !script.is_file() {
            return Err(format!(
                "{} not found (pass --pg-script PATH)",
                script.display()
            ));
        }
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let dir = std::env::temp_dir().join(format!("loadgen-pg-{}-{nanos}", std::process::id()));
        // The guard exists before the start: a half-started server is
        // stopped and its directory removed too.
        let mut server = PgServer {
            script: script.to_path_buf(),
            dir,
            url: String::new(),
            pid: None,
        };
        let out = Command::new("bash")
            .arg(&server.script)
            .arg("start")
            .arg(&server.dir)
            .stdin(Stdio::null())
            .stderr(Stdio::inherit())
            .output()
            .map_err(|e| format!("bash {}: {e}", server.script.display()))?;
        if !out.status.success() {
            return Err(format!("tests/pg.sh start failed ({})", out.status));
        }
        server.url = String::from_utf8_lossy(&out.stdout)
            .lines()
            .last()
            .unwrap_or_default()
            .trim()
            .to_string();
        if !server.url.starts_with("postgres://") {
            return Err(format!("tests/pg.sh printed no URL: {:?}", server.url));
        }
        server.pid = std::fs::read_to_string(server.dir.join("data/postmaster.pid"))
            .ok()
            .and_then(|s| s.lines().next().and_then(|l| l.trim().parse().ok()));
        Ok(server)
    }

    /// Creates database `name`; answers its URL.
    pub fn create_database(&self, name: &str) -> Result<String, String> {
        let psql = std::env::var_os("PG_BIN")
            .map(|b| PathBuf::from(b).join("psql"))
            .filter(|p| p.is_file())
            .unwrap_or_else(|| PathBuf::from("psql"));
        let out = Command::new(&psql)
            .arg(&self.url)
            .args(["-v", "ON_ERROR_STOP=1", "-q", "-c"])
            .arg(format!("CREATE DATABASE {name}"))
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("{}: {e}", psql.display()))?;
        if !out.status.success() {
            return Err(format!(
                "CREATE DATABASE {name}: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        Ok(database_url(&self.url, name))
    }
}

/// `url` with its database (the last path segment) replaced by `name`.
fn database_url(url: &str, name: &str) -> String {
    match url.rsplit_once('/') {
        Some((server, _)) => format!("{server}/{name}"),
        None => url.to_string(),
    }
}

impl Drop for PgServer {
    fn drop(&mut self) {
        let stopped = Command::new("bash")
            .arg(&self.script)
            .arg("stop")
            .arg(&self.dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .status();
        match stopped {
            Ok(s) if s.success() => {
                eprintln!("PostgreSQL stopped ({} removed)", self.dir.display())
            }
            Ok(s) => eprintln!(
                "warning: tests/pg.sh stop {} failed ({s})",
                self.dir.display()
            ),
            Err(e) => eprintln!("warning: tests/pg.sh stop {}: {e}", self.dir.display()),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn database_url_names_the_database() {
        assert_eq!(
            super::database_url("postgres://postgres@127.0.0.1:55500/causerie", "loadgen_3"),
            "postgres://postgres@127.0.0.1:55500/loadgen_3"
        );
    }
}
