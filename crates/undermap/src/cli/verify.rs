//! `undermap verify-ticket` and `undermap ticket-key`: tickets checked offline, and the key
//! they are checked with.

use std::path::Path;

use anyhow::Context;
use undermap::Settings;

/// `undermap verify-ticket FILE`: the ticket's signature against the deployment's key (or the
/// public key given), offline.
pub(crate) fn verify_ticket(
    settings: &Settings,
    file: &Path,
    public_key: Option<&str>,
) -> anyhow::Result<()> {
    let verifier = match public_key {
        Some(k) => undermap_service::TicketVerifier::from_base64(k)?,
        None => undermap::ticket_signer(&undermap::ticket_key_path(settings), false)?.verifier(),
    };
    let text =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    match verifier.verify(&text) {
        Ok(signature) => {
            let ticket: serde_json::Value = serde_json::from_str(&text)?;
            // Tickets from before types were digs.
            let what = match ticket["type"].as_str() {
                Some("orientation") => {
                    "orientation ticket (planning and design: NO DIG may rely on it)".to_owned()
                }
                _ => match ticket["planned_start"].as_str() {
                    Some(start) => format!("dig ticket from {start}"),
                    None => "dig ticket".to_owned(),
                },
            };
            println!(
                "valid: ticket {} ({what}) issued {} valid until {}, signed by key {}",
                ticket["id"].as_str().unwrap_or("?"),
                ticket["created_at"].as_str().unwrap_or("?"),
                ticket["valid_until"]
                    .as_str()
                    .unwrap_or("(no validity recorded)"),
                signature.key_id
            );
            Ok(())
        }
        Err(e) => {
            println!("NOT VALID: {e}");
            std::process::exit(1);
        }
    }
}

/// `undermap ticket-key`: the public key tickets are signed with (made if there is none).
pub(crate) fn ticket_key(settings: &Settings) -> anyhow::Result<()> {
    let verifier = undermap::ticket_signer(&undermap::ticket_key_path(settings), true)?.verifier();
    println!(
        "{}",
        serde_json::json!({"alg": undermap_service::KEY_ALGORITHM, "key_id": verifier.key_id(), "public_key": verifier.to_base64()})
    );
    Ok(())
}
