//! `enkash`: search EnKash Accounts Receivable customers from a shell, or serve a local
//! sandbox. See the crate README for usage and the exit codes.

use std::io::{self, Write};
use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};
use enkash_customer_search::env::{CLIENT_SECRET_VAR, PASSWORD_VAR, TOKEN_VAR};
use enkash_customer_search::text::{TerminalSafe, shown, without_secrets};
use enkash_customer_search::{AuthenticationFailure, BuildError, Error};

mod cli;
mod config;
mod config_command;
mod exit;
mod local_input;
#[cfg(test)]
mod man_page;
mod output;
mod profiles;
mod progress;
mod sandbox;
mod search;
mod secret_commands;

use cli::{Cli, Command, ConfigCommand, CustomersCommand};

/// Why `enkash` stopped short.
#[derive(Debug)]
pub enum CliError {
    /// A bad setting or value found before anything was sent.
    Usage(String),
    /// The client could not be built from the settings.
    Build(BuildError),
    /// The call failed.
    Client(Error),
    /// The output could not be written.
    Output(io::Error),
    /// Ctrl-C, while paging; what was printed is whole.
    Interrupted,
    /// Anything else.
    Other(String),
}

impl From<Error> for CliError {
    fn from(error: Error) -> Self {
        CliError::Client(error)
    }
}

impl From<io::Error> for CliError {
    fn from(error: io::Error) -> Self {
        CliError::Output(error)
    }
}

impl CliError {
    fn exit_code(&self) -> u8 {
        match self {
            CliError::Usage(_) | CliError::Build(_) => exit::USAGE,
            CliError::Client(error) => match error {
                Error::InvalidRequest(_) => exit::USAGE,
                Error::Api(_) => exit::API,
                // Transient, as the client itself says: not a verdict on the credentials.
                Error::Authentication(e)
                    if matches!(
                        e.reason,
                        AuthenticationFailure::TokenEndpointFailed
                            | AuthenticationFailure::LoginPaused
                    ) =>
                {
                    exit::TRANSIENT
                }
                // With the CLI, a token source is `--token-file`: local input.
                Error::Authentication(e)
                    if e.reason == AuthenticationFailure::TokenSourceFailed =>
                {
                    exit::USAGE
                }
                Error::Authentication(_) => exit::AUTHENTICATION,
                Error::Timeout(_) | Error::Transport(_) => exit::TRANSIENT,
                Error::Undecodable(_) => exit::UNDECODABLE,
                Error::Paging(_) => exit::PAGING,
                _ => exit::OTHER,
            },
            // A closed pipe (`enkash … | head`) is the reader saying it has enough.
            CliError::Output(e) if e.kind() == io::ErrorKind::BrokenPipe => exit::OK,
            CliError::Output(_) | CliError::Other(_) => exit::OTHER,
            CliError::Interrupted => exit::INTERRUPTED,
        }
    }

    /// The one line for stderr, or `None` when there is nothing to say.
    fn message(&self) -> Option<String> {
        match self {
            CliError::Usage(message) | CliError::Other(message) => Some(message.clone()),
            CliError::Build(error) => Some(error.to_string()),
            // The id EnKash's support asks for, whenever there is one, once: an API error's
            // own message ends with it.
            CliError::Client(error) => Some(match error.request_id() {
                Some(id) if !matches!(error, Error::Api(_)) => {
                    format!("{error} (request id {})", shown(id, 64))
                }
                _ => error.to_string(),
            }),
            CliError::Output(e) if e.kind() == io::ErrorKind::BrokenPipe => None,
            CliError::Output(e) => Some(format!("cannot write the output: {e}")),
            CliError::Interrupted => {
                Some("interrupted; the output ends on a whole customer".into())
            }
        }
    }
}

fn main() -> ExitCode {
    // The matches too: `config show` asks them where each setting came from.
    let parsed = Cli::command()
        .try_get_matches()
        .and_then(|matches| Ok((Cli::from_arg_matches(&matches)?, matches)));
    let (mut cli, matches) = match parsed {
        Ok(parsed) => parsed,
        Err(error) => return clap_failure(&error),
    };
    cli.connection = cli.connection.without_empty_values();
    init_logging();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => return fail(&CliError::Other(format!("cannot start the runtime: {e}"))),
    };
    match runtime.block_on(run(cli, matches)) {
        Ok(()) => ExitCode::from(exit::OK),
        Err(error) => fail(&error),
    }
}

async fn run(cli: Cli, matches: clap::ArgMatches) -> Result<(), CliError> {
    let env = |name: &str| std::env::var(name).ok();
    let config_file = profiles::config_path(&env);
    let profile = || {
        profiles::choose(
            cli.connection.profile.as_deref(),
            &env,
            config_file.as_deref(),
        )
    };
    match &cli.command {
        Command::Customers(CustomersCommand::Search(args)) => {
            let chosen = match cli.connection.sandbox {
                false => profile()?,
                true => None,
            };
            let connection = config::connect(&cli.connection, chosen.as_ref()).await?;
            let mut args = args.clone();
            args.page_size = args.page_size.or(chosen.and_then(|c| c.profile.page_size));
            search::run(&connection.client, &args).await
        }
        Command::Config(ConfigCommand::Show) => {
            let chosen = profile()?;
            let text = config_command::show(
                &cli.connection,
                &matches,
                &env,
                chosen.as_ref(),
                config_file.as_deref(),
            );
            Ok(io::stdout().write_all(text.as_bytes())?)
        }
        Command::Config(ConfigCommand::Init { force }) => {
            let text = config_command::init(config_file.as_deref(), *force)?;
            Ok(io::stdout().write_all(text.as_bytes())?)
        }
        Command::Sandbox(args) => sandbox::serve(args).await,
        Command::Completions { shell } => {
            let mut out = io::stdout().lock();
            clap_complete::generate(*shell, &mut Cli::command(), "enkash", &mut out);
            Ok(out.flush()?)
        }
    }
}

fn fail(error: &CliError) -> ExitCode {
    if let Some(message) = error.message() {
        eprintln!("enkash: {}", one_line(&message));
    }
    ExitCode::from(error.exit_code())
}

/// `message` on one line, with nothing in it that could steer the terminal.
fn one_line(message: &str) -> String {
    TerminalSafe::line(message).to_string()
}

/// Prints clap's help, version or usage error, with any token or secret that appears in it
/// (clap may quote an argument as it was given) replaced by `***`, by the library's rule for
/// short secrets, and every line made terminal-safe: an argument clap quotes back is the
/// user's, but may have come from anywhere (a script, a pasted line).
fn clap_failure(error: &clap::Error) -> ExitCode {
    let secrets = secrets_on_the_line();
    let rendered = error.render().to_string();
    let text = without_secrets(&rendered, secrets.iter().map(String::as_str))
        .split('\n')
        .map(|line| TerminalSafe::cell(line).to_string())
        .collect::<Vec<_>>()
        .join("\n");
    let printed = if error.use_stderr() {
        io::stderr().write_all(text.as_bytes())
    } else {
        io::stdout().write_all(text.as_bytes())
    };
    match (printed, error.exit_code()) {
        (Err(_), 0) => ExitCode::from(exit::OTHER),
        (_, 0) => ExitCode::from(exit::OK),
        _ => ExitCode::from(exit::USAGE),
    }
}

/// The values of `--token` on the command line and of the secret environment variables.
fn secrets_on_the_line() -> Vec<String> {
    let args: Vec<String> = std::env::args_os()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let mut secrets = Vec::new();
    for (i, arg) in args.iter().enumerate() {
        if arg == "--token" {
            secrets.extend(args.get(i + 1).cloned());
        } else if let Some(value) = arg.strip_prefix("--token=") {
            secrets.push(value.to_string());
        } else if arg == "--header" || arg.starts_with("--header=") {
            // Any header's value may be a key; clap may quote the argument.
            let header = arg
                .strip_prefix("--header=")
                .map(str::to_string)
                .or_else(|| args.get(i + 1).cloned());
            if let Some(header) = header {
                // Without a colon the whole argument is hidden: it may be a key alone.
                match header.split_once(':') {
                    Some((_, value)) => secrets.push(value.trim().to_string()),
                    None => secrets.push(header),
                }
            }
        }
    }
    secrets.extend(
        [TOKEN_VAR, CLIENT_SECRET_VAR, PASSWORD_VAR]
            .iter()
            .filter_map(|name| std::env::var(name).ok()),
    );
    secrets
}

/// Logs to stderr at the level `RUST_LOG` sets; nothing when it is unset. The client records
/// no secret at any level.
fn init_logging() {
    if std::env::var_os("RUST_LOG").is_none() {
        return;
    }
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(io::stderr)
        .init();
}
