//! `undermap users` and `undermap keys`: accounts and their API keys.

use clap::Subcommand;

#[derive(Subcommand)]
pub(crate) enum UsersCommand {
    /// Create an account.
    Add {
        /// Login name (lowercase letters, digits, . _ @ -).
        name: String,
        /// admin, archivist, planner, contractor, emergency, public, construction_unit,
        /// approval_system, network_owner, or a role from the settings.
        #[arg(long)]
        role: String,
        /// Only these layers (comma-separated), on top of the role's.
        #[arg(long, value_delimiter = ',')]
        layers: Option<Vec<String>>,
        /// A service account (an integration), not a person.
        #[arg(long)]
        service: bool,
        /// Full name or description.
        #[arg(long)]
        full_name: Option<String>,
        /// The construction unit a `construction_unit` account acts for (its 18-character
        /// unified social credit code).
        #[arg(long = "unit")]
        unit_code: Option<String>,
    },
    /// List accounts.
    List,
    /// Disable an account: its keys stop working.
    Disable {
        /// The account.
        name: String,
    },
    /// Enable a disabled account again.
    Enable {
        /// The account.
        name: String,
    },
}

#[derive(Subcommand)]
pub(crate) enum KeysCommand {
    /// Issue a key for an account; it is printed once.
    Create {
        /// The account.
        account: String,
        /// What the key is for.
        #[arg(long)]
        label: Option<String>,
        /// Valid for this many days (default: until revoked).
        #[arg(long)]
        days: Option<u32>,
    },
    /// List keys (never their secrets).
    List {
        /// Only this account's.
        #[arg(long)]
        account: Option<String>,
    },
    /// Revoke a key by its id (the part after `um_`).
    Revoke {
        /// The key id.
        key_id: String,
    },
}

pub(crate) async fn users(
    auth: &undermap_auth::Authenticator,
    command: UsersCommand,
) -> anyhow::Result<()> {
    match command {
        UsersCommand::Add {
            name,
            role,
            layers,
            service,
            full_name,
            unit_code,
        } => {
            let a = auth
                .add_account(undermap_auth::NewAccount {
                    name,
                    role,
                    layers,
                    service,
                    full_name,
                    unit_code,
                })
                .await?;
            println!("account {} created with role {}", a.name, a.role);
        }
        UsersCommand::List => {
            println!(
                "{:<32} {:<12} {:<8} {:<24} layers",
                "name", "role", "kind", "disabled"
            );
            for a in auth.accounts().await? {
                println!(
                    "{:<32} {:<12} {:<8} {:<24} {}",
                    a.name,
                    a.role,
                    if a.service { "service" } else { "person" },
                    a.disabled_at.map(|t| t.to_rfc3339()).unwrap_or_default(),
                    a.layers.map_or_else(|| "(role's)".into(), |l| l.join(","))
                );
            }
        }
        UsersCommand::Disable { name } => {
            auth.set_disabled(&name, true).await?;
            println!("account {name} disabled; its keys no longer work");
        }
        UsersCommand::Enable { name } => {
            auth.set_disabled(&name, false).await?;
            println!("account {name} enabled");
        }
    }
    Ok(())
}

pub(crate) async fn keys(
    auth: &undermap_auth::Authenticator,
    command: KeysCommand,
) -> anyhow::Result<()> {
    match command {
        KeysCommand::Create {
            account,
            label,
            days,
        } => {
            let k = auth.create_key(&account, label, days).await?;
            eprintln!(
                "key {} for {}{}; it is shown once, keep it secret:",
                k.record.key_id,
                k.record.account,
                k.record
                    .expires_at
                    .map(|t| format!(", valid until {}", t.to_rfc3339()))
                    .unwrap_or_default()
            );
            println!("{}", k.key);
        }
        KeysCommand::List { account } => {
            println!(
                "{:<14} {:<32} {:<26} {:<26} label",
                "key id", "account", "created", "revoked/expires"
            );
            for k in auth.keys(account.as_deref()).await? {
                let state = match (k.revoked_at, k.expires_at) {
                    (Some(t), _) => format!("revoked {}", t.format("%Y-%m-%d %H:%M")),
                    (None, Some(t)) => format!("expires {}", t.format("%Y-%m-%d %H:%M")),
                    (None, None) => String::new(),
                };
                println!(
                    "{:<14} {:<32} {:<26} {:<26} {}",
                    k.key_id,
                    k.account,
                    k.created_at.format("%Y-%m-%d %H:%M:%S"),
                    state,
                    k.label.unwrap_or_default()
                );
            }
        }
        KeysCommand::Revoke { key_id } => {
            auth.revoke_key(&key_id).await?;
            println!("key {key_id} revoked");
        }
    }
    Ok(())
}
