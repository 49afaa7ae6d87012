use std::collections::{HashMap, HashSet};
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, RwLock};

use rsipstack::EndpointBuilder;
use rsipstack::dialog::dialog::DialogStateSender;
use rsipstack::dialog::dialog_layer::DialogLayer;
use rsipstack::sip::prelude::HeadersExt;
use rsipstack::sip::{Method, StatusCode};
use rsipstack::transaction::endpoint::{EndpointInnerRef, EndpointOption};
use rsipstack::transaction::{TransactionReceiver, transaction::Transaction};
use rsipstack::transport::udp::UdpConnection;
use rsipstack::transport::{TcpListenerConnection, TransportLayer};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::{debug, warn};

use crate::routes::DialogRoutes;
use crate::{Error, Result, q850_cause};

/// The Q.850 cause (RFC 3326 `Reason`) of each far-end BYE the agent routed
/// to a dialog, by Call-ID, until the call takes it. rsipstack answers the
/// BYE itself and tells the call only that it came.
pub(crate) type ByeCauses = Arc<std::sync::Mutex<HashMap<String, u16>>>;

#[derive(Debug, Clone)]
pub struct SipConfig {
    /// UDP and TCP listen on this address; port 0 picks a free port (the
    /// TCP listener then takes the port UDP got).
    pub listen: SocketAddr,
    pub user_agent: String,
}

/// One SIP user agent: a UDP and a TCP listener, the transaction layer and
/// the dialogs of every call this process holds.
///
/// Requests from addresses outside [`SipAgent::set_allowed_sources`] are
/// dropped before they are parsed.
pub struct SipAgent {
    /// The SIP stack (transports, timers); it lives as long as the agent.
    endpoint: EndpointInnerRef,
    pub(crate) dialogs: Arc<DialogLayer>,
    local_addr: SocketAddr,
    allowed_sources: Arc<RwLock<Option<HashSet<IpAddr>>>>,
    bye_causes: ByeCauses,
    /// Every dialog's states go into this one channel (see [`DialogRoutes`]).
    pub(crate) state_sender: DialogStateSender,
    pub(crate) routes: DialogRoutes,
    shutdown: CancellationToken,
    tasks: TaskTracker,
}

impl std::fmt::Debug for SipAgent {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("SipAgent").field("local_addr", &self.local_addr).finish()
    }
}

impl SipAgent {
    /// Binds the listeners and starts the stack. Everything stops when
    /// `shutdown` is cancelled or the agent is dropped.
    pub async fn start(config: SipConfig, shutdown: CancellationToken) -> Result<SipAgent> {
        let shutdown = shutdown.child_token();
        let transport_layer = TransportLayer::new(shutdown.child_token());
        let udp = UdpConnection::create_connection(config.listen, None, Some(shutdown.child_token()))
            .await
            .map_err(|error| Error::Bind { transport: "UDP", address: config.listen, message: error.to_string() })?;
        let local_addr = udp.get_addr().get_socketaddr()?;
        transport_layer.add_transport(udp.into());
        // rsipstack advertises a TCP listener's configured port, so give it
        // the concrete port UDP got rather than 0.
        let tcp = TcpListenerConnection::new(local_addr, None).await.map_err(|error| Error::Bind {
            transport: "TCP",
            address: local_addr,
            message: error.to_string(),
        })?;
        transport_layer.add_transport(tcp.into());

        let allowed_sources: Arc<RwLock<Option<HashSet<IpAddr>>>> = Arc::default();
        let whitelist = Arc::clone(&allowed_sources);
        transport_layer.set_whitelist(move |ip: IpAddr| {
            let allowed = match &*whitelist.read().expect("allowed sources poisoned") {
                Some(sources) => sources.contains(&ip),
                None => true,
            };
            if !allowed {
                debug!(%ip, "dropping SIP from an address that is not a configured trunk");
            }
            async move { allowed }
        });

        let option = EndpointOption { callid_suffix: Some("herald".to_owned()), ..EndpointOption::default() };
        let endpoint = EndpointBuilder::new()
            .with_user_agent(&config.user_agent)
            .with_cancel_token(shutdown.child_token())
            .with_transport_layer(transport_layer)
            .with_option(option)
            .build();
        let incoming = endpoint.incoming_transactions()?;
        let inner = endpoint.inner.clone();
        let dialogs = Arc::new(DialogLayer::new(inner.clone()));
        let tasks = TaskTracker::new();
        let serving = inner.clone();
        let serve_shutdown = shutdown.clone();
        tasks.spawn(async move {
            tokio::select! {
                result = serving.serve() => {
                    if let Err(error) = result {
                        warn!(%error, "sip endpoint stopped");
                    }
                }
                () = serve_shutdown.cancelled() => {}
            }
        });
        let bye_causes = ByeCauses::default();
        tasks.spawn(dispatch_incoming(
            incoming,
            Arc::clone(&dialogs),
            Arc::clone(&bye_causes),
            tasks.clone(),
            shutdown.clone(),
        ));
        let (state_sender, states) = dialogs.new_dialog_state_channel();
        let routes = DialogRoutes::default();
        tasks.spawn(routes.clone().dispatch(states, shutdown.clone()));
        Ok(SipAgent {
            endpoint: inner,
            dialogs,
            local_addr,
            allowed_sources,
            bye_causes,
            state_sender,
            routes,
            shutdown,
            tasks,
        })
    }

    pub(crate) fn endpoint(&self) -> &EndpointInnerRef {
        &self.endpoint
    }

    pub(crate) fn bye_causes(&self) -> ByeCauses {
        Arc::clone(&self.bye_causes)
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Accept SIP only from these addresses (`None`: from anywhere, for
    /// command-line tools).
    pub fn set_allowed_sources(&self, sources: Option<HashSet<IpAddr>>) {
        *self.allowed_sources.write().expect("allowed sources poisoned") = sources;
    }

    /// Stops the listeners and waits for the stack's tasks.
    pub async fn shutdown(&self) {
        self.shutdown.cancel();
        self.tasks.close();
        self.tasks.wait().await;
    }
}

impl Drop for SipAgent {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

/// Routes requests that arrive outside a client transaction: in-dialog
/// requests (BYE, re-INVITE, UPDATE, OPTIONS) to their dialog, the rest
/// answered here.
async fn dispatch_incoming(
    mut incoming: TransactionReceiver,
    dialogs: Arc<DialogLayer>,
    bye_causes: ByeCauses,
    tasks: TaskTracker,
    shutdown: CancellationToken,
) {
    loop {
        let mut transaction: Transaction = tokio::select! {
            transaction = incoming.recv() => match transaction {
                Some(transaction) => transaction,
                None => return,
            },
            () = shutdown.cancelled() => return,
        };
        let in_dialog = transaction.original.to_header().ok().and_then(|to| to.tag().ok().flatten()).is_some();
        if in_dialog {
            match dialogs.match_dialog(&transaction) {
                Some(mut dialog) => {
                    // RFC 3326: keep the cause a BYE gives for the call's report.
                    if transaction.original.method == Method::Bye
                        && let Some(cause) =
                            transaction.original.header_value("Reason").and_then(|reason| q850_cause(&reason))
                        && let Ok(call_id) = transaction.original.call_id_header()
                    {
                        let call_id = call_id.value().to_owned();
                        bye_causes.lock().expect("bye causes poisoned").insert(call_id, cause);
                    }
                    // The dialog answers BYE itself and reports re-INVITE,
                    // UPDATE and OPTIONS to the call's state channel, where
                    // `AnsweredCall` answers them.
                    tasks.spawn(async move {
                        if let Err(error) = dialog.handle(&mut transaction).await {
                            debug!(%error, "in-dialog request failed");
                        }
                    });
                }
                // RFC 3261 §12.2.2: a request for an unknown dialog gets 481.
                None => {
                    let _ = transaction.reply(StatusCode::CallTransactionDoesNotExist).await;
                }
            }
            continue;
        }
        let reply = match transaction.original.method {
            // RFC 3261 §11.2: OPTIONS outside a dialog is a capability/keepalive probe.
            Method::Options => StatusCode::OK,
            // This agent places calls; inbound calls are the Recipient's.
            Method::Invite => StatusCode::Forbidden,
            Method::Ack => continue,
            _ => StatusCode::MethodNotAllowed,
        };
        let _ = transaction.reply(reply).await;
    }
}
