//! `selfheal serve`: the HTTP service (docs/service.md), and its helpers `hash-key` and
//! `openapi`.

use std::io::Read;
use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Subcommand};
use selfheal::serve::{auth, openapi, serve, ServeOptions};

use super::render::{self, Format};
use super::{Exit, GlobalArgs, UsageError};

#[derive(Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct ServeArgs {
    #[command(subcommand)]
    action: Option<ServeAction>,
    /// The configuration file (tenants, hashed keys, limits). Without it: loopback only, one
    /// tenant `local` with a development key printed at start.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Listen here instead of the file's `listen` (default 127.0.0.1:8080).
    #[arg(long, value_name = "ADDR:PORT")]
    listen: Option<SocketAddr>,
    /// Where jobs, caches, learners and the audit log live when the file names no data_dir
    /// (default: $XDG_DATA_HOME/selfheal).
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
}

#[derive(Subcommand)]
enum ServeAction {
    /// Make a new API key and print it with its hash (put the hash in the configuration file,
    /// give the key to the tenant). With --stdin, hash a key read from standard input.
    HashKey {
        /// Hash the key on standard input instead of making one.
        #[arg(long)]
        stdin: bool,
    },
    /// Print the service's OpenAPI document.
    Openapi,
}

pub async fn serve_command(global: &GlobalArgs, args: ServeArgs) -> Exit {
    match args.action {
        Some(ServeAction::HashKey { stdin }) => hash_key(global.format, stdin),
        Some(ServeAction::Openapi) => {
            render::out(&openapi::document_text())?;
            Ok(0)
        }
        None => {
            let options = ServeOptions {
                config: args.config,
                listen: args.listen,
                data_dir: args.data_dir,
                validator: global.dirs().validator_config(),
            };
            serve(options).await?;
            Ok(0)
        }
    }
}

fn hash_key(format: Format, stdin: bool) -> Exit {
    let (key, generated) = if stdin {
        let mut text = String::new();
        std::io::stdin()
            .take(4096)
            .read_to_string(&mut text)
            .map_err(|e| UsageError(format!("--stdin: cannot read the key: {e}")))?;
        let key = text.trim().to_string();
        if key.is_empty() {
            return Err(UsageError("--stdin: no key on standard input".into()));
        }
        (key, false)
    } else {
        (auth::generate_key(), true)
    };
    let hash = auth::hash_key(&key).to_string();
    let value = if generated {
        serde_json::json!({"key": key, "hash": hash})
    } else {
        serde_json::json!({"hash": hash})
    };
    render::either(format, &value, |_| {
        if generated {
            format!(
                "key:  {key}\nhash: {hash}\n(give the key to the tenant; put the hash in its `keys` list)\n"
            )
        } else {
            format!("{hash}\n")
        }
    })?;
    Ok(0)
}
