//! A real load balancer in front of test replicas: Debian's HAProxy, run as a child process
//! with the deployment guide's own configuration (`docs/haproxy.cfg`, which `docs/deploy.md`
//! shows), its `bind` and `server` lines pointed at a free port and the replicas' ports.
//! `WARROOM_TEST_HAPROXY` names the binary if it is not `/usr/sbin/haproxy` (`cargo xtask
//! test` installs it when root).

use std::path::PathBuf;
use std::process::Stdio;

use tempfile::TempDir;
use tokio::process::{Child, Command};

use super::WAIT;

/// The configuration the deployment guide shows.
pub const HAPROXY_CFG: &str = include_str!("../../../../../docs/haproxy.cfg");

/// A running HAProxy, killed when dropped.
pub struct Balancer {
    child: Child,
    pub port: u16,
    _dir: TempDir,
}

impl Balancer {
    /// Starts HAProxy on a free port in front of `backends` (ports on 127.0.0.1), once it
    /// answers `/readyz` through one of them.
    pub async fn start(backends: &[u16]) -> Self {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let port = free_port();
        let file = dir.path().join("haproxy.cfg");
        std::fs::write(&file, config(port, backends)).expect("the configuration");
        let child = Command::new(haproxy())
            .arg("-f")
            .arg(&file)
            .arg("-db")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("haproxy starts (install Debian's haproxy package)");
        let balancer = Self {
            child,
            port,
            _dir: dir,
        };
        let deadline = tokio::time::Instant::now() + WAIT;
        while !balancer.ready().await {
            assert!(
                tokio::time::Instant::now() < deadline,
                "haproxy did not pass requests in time"
            );
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        balancer
    }

    /// Whether `/readyz` answers 200 through the balancer.
    async fn ready(&self) -> bool {
        use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
        let Ok(mut stream) = tokio::net::TcpStream::connect(("127.0.0.1", self.port)).await else {
            return false;
        };
        let request = format!(
            "GET /readyz HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\n\r\n",
            self.port
        );
        if stream.write_all(request.as_bytes()).await.is_err() {
            return false;
        }
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer).await;
        answer.starts_with(b"HTTP/1.1 200")
    }

    /// `ws://127.0.0.1:PORT/ws` through the balancer.
    pub fn ws_url(&self) -> String {
        format!("ws://127.0.0.1:{}/ws", self.port)
    }
}

impl Drop for Balancer {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
}

/// The guide's configuration with its `bind` line on `port` and one `server` line per backend.
pub fn config(port: u16, backends: &[u16]) -> String {
    let mut out = String::new();
    for line in HAPROXY_CFG.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("bind ") {
            out.push_str(&format!("    bind 127.0.0.1:{port}\n"));
        } else if trimmed.starts_with("server ") {
            if trimmed.starts_with("server warroom1 ") {
                for (i, backend) in backends.iter().enumerate() {
                    out.push_str(&format!(
                        "    server warroom{} 127.0.0.1:{backend} check\n",
                        i + 1
                    ));
                }
            }
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// A port nobody listens on now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

fn haproxy() -> PathBuf {
    std::env::var_os("WARROOM_TEST_HAPROXY")
        .filter(|p| !p.is_empty())
        .map_or_else(|| PathBuf::from("/usr/sbin/haproxy"), PathBuf::from)
}
