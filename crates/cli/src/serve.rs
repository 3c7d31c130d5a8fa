//! `schakel serve`: runs the TAXII 2.1 server, on embedded defaults or with the provisioning
//! file of `docs/provisioning.md`.

use std::path::PathBuf;
use std::process::ExitCode;

use server::config::ProvisioningFile;
use server::{StartOptions, Transport};

/// `println!` that does not panic when standard output is gone (a supervisor that read the
/// address line and closed the pipe): the server runs on.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

/// Command-line arguments of `schakel serve`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Without --config: data in ./schakel-data, HTTPS on 127.0.0.1:8443 with a generated \
development certificate, an API root `api` with a collection `default`, and an operator account \
`admin` whose password is printed once on the first start."
)]
pub struct Args {
    /// Provisioning file (TOML), applied idempotently at start.
    #[arg(long, short, value_name = "FILE", env = "SCHAKEL_CONFIG")]
    config: Option<PathBuf>,
    /// Listen address, overriding [server] listen (e.g. 127.0.0.1:0 for any free port).
    #[arg(long, value_name = "ADDR")]
    listen: Option<String>,
    /// Data directory, overriding [server] data.
    #[arg(long, value_name = "DIR")]
    data: Option<PathBuf>,
    /// Serve plain HTTP instead of TLS (refused on non-loopback addresses).
    #[arg(long)]
    plain_http: bool,
    /// Log format.
    #[arg(long, value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

pub fn run(args: Args) -> ExitCode {
    init_logging(args.log_format);
    let (mut file, from_file) = match &args.config {
        Some(path) => match ProvisioningFile::load(path) {
            Ok(f) => (f, true),
            Err(e) => {
                eprintln!("schakel serve: {e}");
                return ExitCode::from(2);
            }
        },
        None => {
            let mut f = ProvisioningFile::default();
            f.server.default_api_root = Some("api".into());
            (f, false)
        }
    };
    if let Some(l) = args.listen {
        file.server.listen = l;
    }
    if let Some(d) = args.data {
        file.server.data = d;
    }
    if args.plain_http {
        file.server.plain_http = true;
        file.server.tls_cert = None;
        file.server.tls_key = None;
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("schakel serve: cannot start the runtime: {e}");
            return ExitCode::from(2);
        }
    };
    runtime.block_on(serve(file, from_file))
}

async fn serve(file: ProvisioningFile, from_file: bool) -> ExitCode {
    let data = file.server.data.clone();
    let (running, created) = match server::start(StartOptions {
        file,
        from_file,
        clock: Default::default(),
    })
    .await
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("schakel serve: {e}");
            return ExitCode::from(2);
        }
    };
    // Registered before anything is printed: a supervisor that reads the address line may
    // stop the server at once.
    let stop = stop_signal();
    let scheme = match running.transport {
        Transport::Plain => "http",
        Transport::Tls { .. } => "https",
    };
    let base = format!("{scheme}://{}", running.addr);
    // Scripts (and the durability test) read this line to find the address.
    say!("Schakel listening on {base}/taxii2/");
    if let Some(c) = created {
        let cacert = match &running.transport {
            // The generated development certificate is signed by dev-ca.pem beside it.
            Transport::Tls { cert, .. } => {
                let ca = cert.with_file_name("dev-ca.pem");
                format!(
                    "--cacert {} ",
                    if ca.exists() { ca } else { cert.clone() }.display()
                )
            }
            Transport::Plain => String::new(),
        };
        say!("");
        say!(
            "First start: created API root /{}/ with collection 'default' ({}).",
            c.api_root,
            c.collection
        );
        say!("Operator account: {}", c.account);
        say!(
            "Password:         {}   (shown once; only its argon2 hash is stored in {})",
            c.password,
            data.display()
        );
        say!("");
        say!(
            "Try:  curl {cacert}-u {}:{} -H 'Accept: application/taxii+json;version=2.1' {base}/taxii2/",
            c.account,
            c.password
        );
    }
    let handle = running.handle.clone();
    tokio::spawn(async move {
        stop.await;
        tracing::info!("shutting down: finishing requests in flight");
        handle.stop(true).await;
    });
    match running.task.await {
        Ok(Ok(())) => ExitCode::SUCCESS,
        Ok(Err(e)) => {
            eprintln!("schakel serve: {e}");
            ExitCode::from(1)
        }
        Err(e) => {
            eprintln!("schakel serve: {e}");
            ExitCode::from(1)
        }
    }
}

/// Ctrl-C, or SIGTERM (what `systemctl stop` and container runtimes send), registered when
/// this is called. Either stops the server gracefully: no new connections, requests in flight
/// (a POST being committed) finish, for at most 30 seconds.
fn stop_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    let term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    async move {
        #[cfg(unix)]
        if let Some(mut term) = term {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
        let _ = tokio::signal::ctrl_c().await;
    }
}

fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("SCHAKEL_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi)
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}
