//! A TCP relay between Herald and PostgreSQL that a test can freeze: while
//! frozen it forwards nothing in either direction and closes nothing, as a
//! network that went dark (packets dropped, no FIN, no RST) looks to the
//! client; what was sent meanwhile is delivered when it thaws, as TCP
//! retransmission would. (A fake for one fault only: on loopback, without
//! root, this is how to make a connection go dark for one process and not
//! the others. The chaos suite, `loadtest/chaos.py`, does the same with
//! iptables in network namespaces.)

use std::net::SocketAddr;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

pub(crate) struct FreezableProxy {
    address: SocketAddr,
    frozen: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl FreezableProxy {
    /// Relays connections made to [`FreezableProxy::address`] to `upstream`.
    pub(crate) async fn start(upstream: SocketAddr) -> FreezableProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("binding the proxy");
        let address = listener.local_addr().expect("proxy address");
        let (frozen, watching) = watch::channel(false);
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let Ok(server) = TcpStream::connect(upstream).await else { continue };
                let (client_read, client_write) = client.into_split();
                let (server_read, server_write) = server.into_split();
                tokio::spawn(relay(client_read, server_write, watching.clone()));
                tokio::spawn(relay(server_read, client_write, watching.clone()));
            }
        });
        FreezableProxy { address, frozen, task }
    }

    pub(crate) fn address(&self) -> SocketAddr {
        self.address
    }

    /// `url` (a `postgres://user@host:port/db` URL) pointed at this proxy.
    pub(crate) fn url(&self, url: &str) -> String {
        let (scheme, rest) = url.split_once("://").expect("a URL");
        let (authority, path) = rest.split_once('/').expect("a URL with a database");
        let user = authority.rsplit_once('@').map(|(user, _)| format!("{user}@")).unwrap_or_default();
        format!("{scheme}://{user}{}/{path}", self.address)
    }

    pub(crate) fn freeze(&self) {
        self.frozen.send_replace(true);
    }

    pub(crate) fn thaw(&self) {
        self.frozen.send_replace(false);
    }
}

impl Drop for FreezableProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn relay(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    mut frozen: watch::Receiver<bool>,
) {
    let mut buffer = vec![0_u8; 64 * 1024];
    loop {
        let Ok(read) = from.read(&mut buffer).await else { return };
        if read == 0 {
            let _ = to.shutdown().await;
            return;
        }
        // Held while frozen: the network is dark.
        if frozen.wait_for(|frozen| !*frozen).await.is_err() {
            return;
        }
        if to.write_all(&buffer[..read]).await.is_err() {
            return;
        }
    }
}
