//! Running the built `schakel` binary from the CLI tests.
#![allow(dead_code, clippy::unwrap_used, clippy::panic, reason = "test helpers")]

use std::ffi::OsStr;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// Runs `schakel ARGS` to the end: exit status, standard output, standard error.
pub fn run<I, S>(args: I) -> (i32, String, String)
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let out = Command::new(env!("CARGO_BIN_EXE_schakel"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Starts `schakel serve ARGS` and returns it with its base URL (`http://127.0.0.1:PORT`, read
/// from the first line it prints).
pub fn serve<I, S>(args: I) -> (Child, String)
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let mut child = Command::new(env!("CARGO_BIN_EXE_schakel"))
        .arg("serve")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let base = line
        .trim()
        .strip_prefix("Schakel listening on ")
        .and_then(|u| u.strip_suffix("/taxii2/"))
        .unwrap_or_else(|| panic!("unexpected first line: {line:?}"))
        .to_owned();
    (child, base)
}

/// `schakel serve --config CONFIG`.
pub fn serve_config(config: &std::path::Path) -> (Child, String) {
    serve([OsStr::new("--config"), config.as_os_str()])
}

/// Writes `dir/schakel.toml`: a plain-HTTP server on a free loopback port with its data in
/// `dir/data`, an API root `lds`, and `rest` (organisations, accounts, collections).
pub fn config_file(dir: &std::path::Path, rest: &str) -> std::path::PathBuf {
    let path = dir.join("schakel.toml");
    let text = format!(
        "[server]\nlisten = \"127.0.0.1:0\"\nplain_http = true\ndata = \"{}\"\n\n\
         [[api_root]]\npath = \"lds\"\ntitle = \"LDS\"\n{rest}",
        dir.join("data").display()
    );
    std::fs::write(&path, text).unwrap();
    path
}

/// `dir/schakel.toml` with one collection `feed` (id `collection`) that NCSC reads and writes,
/// and NCSC's account `poster` (HTTP Basic, password `poster-password`).
pub fn poster_config(dir: &std::path::Path, collection: &str) -> std::path::PathBuf {
    config_file(
        dir,
        &format!(
            "\n[[organisation]]\nid = \"ncsc\"\nname = \"NCSC\"\n\n\
             [[account]]\nname = \"poster\"\norganisation = \"ncsc\"\npassword = \"poster-password\"\n\n\
             [[collection]]\napi_root = \"lds\"\nid = \"{collection}\"\ntitle = \"feed\"\n\
             read = [\"ncsc\"]\nwrite = [\"ncsc\"]\n"
        ),
    )
}

/// Starts the server of `config` in this process (it creates and provisions the database).
pub async fn start_server(config: &std::path::Path) -> server::Running {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let file = server::config::ProvisioningFile::load(config).unwrap();
    let (running, _) = server::start(server::StartOptions {
        file,
        from_file: true,
        clock: Default::default(),
    })
    .await
    .unwrap();
    running
}

/// Creates and provisions the database of `config` (the server starts in-process and stops),
/// for the commands that work on an existing database.
pub async fn create_database(config: &std::path::Path) {
    start_server(config).await.handle.stop(true).await;
}
