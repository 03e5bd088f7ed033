//! `selfheal serve`: the HTTP service (docs/service.md), and its helpers `hash-key` and
//! `openapi`.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Subcommand};
use selfheal::serve::{openapi, serve, ServeOptions};
use selfheal::settings::ApiKeyHash;

use super::{out, Exit, GlobalArgs};

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
        Some(ServeAction::HashKey { stdin }) => {
            let key = match stdin {
                true => ApiKeyHash::of_input(std::io::stdin())?,
                false => ApiKeyHash::generate(),
            };
            global.print(&key.to_json(), |_| key.render())
        }
        Some(ServeAction::Openapi) => Ok(out(&openapi::document_text()).map(|()| 0)?),
        None => {
            let (config, listen, data_dir) = (args.config, args.listen, args.data_dir);
            let validator = global.dirs.validator_config();
            serve(ServeOptions {
                config,
                listen,
                data_dir,
                validator,
            })
            .await?;
            Ok(0)
        }
    }
}
