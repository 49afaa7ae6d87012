//! `herald user add`: creates a user from the command line — the first
//! admin of a new installation, or anyone when the web UI is out of reach.
//! The password comes from `HERALD_USER_PASSWORD` or the first line of
//! standard input, never from an argument (arguments show in `ps`).

use std::io::BufRead;
use std::process::ExitCode;

use anyhow::{Context, bail};
use herald_config::Config;
use herald_store::{Actor, CreateUser, NewUser, Role, Store};

pub(crate) const PASSWORD_VARIABLE: &str = "HERALD_USER_PASSWORD";

#[derive(Debug, clap::Args)]
pub(crate) struct AddUserOptions {
    /// The user's email address (they sign in with it).
    #[arg(long)]
    email: String,
    /// admin, manager or viewer.
    #[arg(long, value_parser = parse_role)]
    role: Role,
    /// The name the UI shows.
    #[arg(long, default_value = "")]
    name: String,
}

fn parse_role(name: &str) -> Result<Role, String> {
    Role::parse(name).ok_or_else(|| format!("{name:?} is not a role: use admin, manager or viewer"))
}

pub(crate) async fn add(config: &Config, options: AddUserOptions) -> anyhow::Result<ExitCode> {
    let email = herald_ui::passwords::normalize_email(&options.email)
        .map_err(|problem| anyhow::anyhow!("--email {problem}"))?;
    let password = read_password()?;
    if let Err(problem) = herald_ui::passwords::check_new_password(&password) {
        bail!("the password {problem}");
    }
    let password_hash = tokio::task::spawn_blocking(move || herald_ui::passwords::hash_password(&password))
        .await
        .context("hashing the password")??;

    let store = Store::connect(&config.database).await.context("connecting to PostgreSQL")?;
    if config.database.migrate_on_start {
        store.migrate().await.context("applying migrations")?;
    }
    let user = NewUser { email, display_name: options.name.trim().to_owned(), role: options.role, password_hash };
    match store.create_user(&user, &Actor::system("cli")).await? {
        CreateUser::Created(user) => {
            println!("{}", serde_json::to_string(&user)?);
            Ok(ExitCode::SUCCESS)
        }
        CreateUser::EmailTaken => bail!("a user with the email address {} already exists", user.email),
    }
}

/// `HERALD_USER_PASSWORD` if set, else the first line of standard input.
fn read_password() -> anyhow::Result<String> {
    if let Ok(password) = std::env::var(PASSWORD_VARIABLE) {
        return Ok(password);
    }
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).context("reading the password from standard input")?;
    let password = line.strip_suffix('\n').unwrap_or(&line);
    let password = password.strip_suffix('\r').unwrap_or(password);
    if password.is_empty() {
        bail!("no password: set {PASSWORD_VARIABLE} or write it on standard input");
    }
    Ok(password.to_owned())
}
