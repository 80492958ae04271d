//! `undermap audit`: check the audit trail's and the credit record's hash chains, export the
//! audit trail.

use std::path::PathBuf;

use anyhow::{bail, Context};
use clap::Subcommand;

#[derive(Subcommand)]
pub(crate) enum AuditCommand {
    /// Check the audit trail's chain and the construction units' credit record: exit 1 and say
    /// where if an entry was removed, inserted or changed.
    Verify {
        /// Check this JSON-lines audit file (of a read-only site copy) instead of the store.
        #[arg(long)]
        file: Option<PathBuf>,
    },
    /// Write entries as JSON lines.
    Export {
        /// File to write (default: standard output).
        #[arg(long)]
        to: Option<PathBuf>,
        /// Only entries after this seq.
        #[arg(long, default_value_t = 0)]
        after: i64,
        /// Only this account's.
        #[arg(long)]
        actor: Option<String>,
    },
}

pub(crate) async fn run(
    store: &dyn undermap_store::AccessStore,
    archive: &dyn undermap_store::ArchiveStore,
    command: AuditCommand,
) -> anyhow::Result<()> {
    match command {
        AuditCommand::Verify { file } => {
            let v = match &file {
                Some(path) => undermap_auth::verify_file(path)?,
                None => undermap_auth::verify(store).await?,
            };
            match &v.problem {
                None => {
                    println!(
                        "audit trail intact: {} entries; head seq {} hash {}",
                        v.entries, v.head_seq, v.head_hash
                    );
                    println!("record the head hash elsewhere: a later verify that ends before it shows a cut-off tail");
                }
                Some(p) => bail!("audit trail broken after {} good entries: {p}", v.entries),
            }
            if file.is_none() {
                let credit = archive.credit_entries(None).await?;
                match undermap_store::verify_credit_chain(&credit) {
                    Ok((n, head)) => {
                        println!("credit record intact: {n} entries; head hash {head}");
                    }
                    Err(p) => bail!("credit record broken: {p}"),
                }
            }
        }
        AuditCommand::Export { to, after, actor } => {
            use std::io::Write;
            let mut out: Box<dyn Write> = match &to {
                Some(path) => Box::new(std::io::BufWriter::new(
                    std::fs::File::create(path)
                        .with_context(|| format!("writing {}", path.display()))?,
                )),
                None => Box::new(std::io::stdout().lock()),
            };
            let mut after = after;
            let mut n = 0_u64;
            loop {
                let page = store
                    .audit(&undermap_store::AuditQuery {
                        after,
                        limit: 10_000,
                        actor: actor.clone(),
                        ..undermap_store::AuditQuery::default()
                    })
                    .await?;
                let Some(last) = page.last() else { break };
                after = last.seq;
                for r in &page {
                    let entry: serde_json::Value = serde_json::from_str(&r.entry)?;
                    let line = serde_json::json!({"seq": r.seq, "entry": entry, "prev_hash": r.prev_hash, "hash": r.hash});
                    writeln!(out, "{line}")?;
                    n += 1;
                }
            }
            out.flush()?;
            if let Some(path) = to {
                eprintln!("{n} entries written to {}", path.display());
            }
        }
    }
    Ok(())
}
