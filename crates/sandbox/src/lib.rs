//! The embedded S3-compatible sandbox: s3s's protocol layer (real SigV4 and presigned-URL
//! verification) over a local folder through s3s-fs, served on 127.0.0.1.
//!
//! It exists so Cubby works with zero setup and so tests have a second, in-process server. It
//! owns nothing of Cubby's domain: it is given a folder, a bucket and keys.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto::Builder as ConnBuilder;
use s3s::access::{S3Access, S3AccessContext};
use s3s::auth::{S3Auth, SecretKey};
use s3s::service::S3ServiceBuilder;
use s3s::{s3_error, S3Result};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

mod legacy;
mod r2;
pub use r2::R2Rules;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("port {0} on 127.0.0.1 is already in use: stop what listens there or pick another port")]
    PortInUse(u16),
    #[error("cannot start the sandbox: {0}")]
    Start(String),
}

/// What to serve. The keys are plain strings here: the sandbox guards only loopback data.
pub struct Options {
    pub root: PathBuf,
    pub bucket: String,
    /// 0 picks a free port.
    pub port: u16,
    pub access_key: String,
    pub secret_key: String,
    /// Refuse what Cloudflare R2 documents it refuses (`cubby sandbox --r2`).
    pub r2: Option<R2Rules>,
}

impl std::fmt::Debug for Options {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Options")
            .field("root", &self.root)
            .field("bucket", &self.bucket)
            .field("port", &self.port)
            .field("r2", &self.r2)
            .finish_non_exhaustive()
    }
}

/// One key pair. Unlike s3s's `SimpleAuth` (which answers `NotSignedUp`), an unknown key gets
/// `InvalidAccessKeyId`, as from S3 and R2, so clients see the same failures as in production.
struct SingleKey {
    access_key: String,
    secret_key: SecretKey,
}

#[async_trait::async_trait]
impl S3Auth for SingleKey {
    async fn get_secret_key(&self, access_key: &str) -> S3Result<SecretKey> {
        if access_key == self.access_key {
            Ok(self.secret_key.clone())
        } else {
            Err(s3_error!(
                InvalidAccessKeyId,
                "The access key ID you provided does not exist in our records."
            ))
        }
    }
}

/// Signed requests only (s3s's default), and a request for a bucket that does not exist gets
/// `NoSuchBucket` as from S3 and R2: s3s-fs itself answers a GET in a missing bucket with
/// `NoSuchKey`, which would hide a mistyped bucket behind "no such object".
struct ServedBuckets {
    root: PathBuf,
    r2: Option<r2::R2Checks>,
}

#[async_trait::async_trait]
impl S3Access for ServedBuckets {
    async fn check(&self, cx: &mut S3AccessContext<'_>) -> S3Result<()> {
        if cx.credentials().is_none() {
            return Err(s3_error!(AccessDenied, "Signature is required"));
        }
        let (bucket, key) = match cx.s3_path() {
            s3s::path::S3Path::Bucket { bucket } => (bucket, None),
            s3s::path::S3Path::Object { bucket, key } => (bucket, Some(key)),
            s3s::path::S3Path::Root => return Ok(()),
        };
        if cx.s3_op().name() != "CreateBucket" && !self.root.join(&**bucket).is_dir() {
            return Err(s3_error!(NoSuchBucket, "The specified bucket does not exist"));
        }
        // Objects are files here and folders are directories: reading a key that names a
        // folder ("acme-corp") is a missing object, as on S3, not s3s-fs's internal error.
        let reads = matches!(cx.s3_op().name(), "GetObject" | "HeadObject");
        if let (true, Some(key)) = (reads, key) {
            if self.root.join(&**bucket).join(&**key).is_dir() {
                return Err(s3_error!(NoSuchKey, "The specified key does not exist."));
            }
        }
        match &self.r2 {
            Some(r2) => r2.check(cx),
            None => Ok(()),
        }
    }
}

/// A running sandbox; stops when `stop` is awaited or when dropped.
pub struct Sandbox {
    addr: SocketAddr,
    shutdown: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl Sandbox {
    pub async fn start(options: Options) -> Result<Sandbox, Error> {
        let bucket_dir = options.root.join(&options.bucket);
        std::fs::create_dir_all(&bucket_dir)
            .map_err(|e| Error::Start(format!("cannot create {}: {e}", bucket_dir.display())))?;
        let fs = s3s_fs::FileSystem::new(&options.root).map_err(|e| Error::Start(format!("{e:?}")))?;
        let legacy = options.r2.as_ref().is_some_and(|r| r.legacy_etags);
        let service = {
            let mut builder = if legacy {
                S3ServiceBuilder::new(legacy::LegacyEtags {
                    fs,
                    root: options.root.clone(),
                })
            } else {
                S3ServiceBuilder::new(fs)
            };
            builder.set_auth(SingleKey {
                access_key: options.access_key,
                secret_key: options.secret_key.into(),
            });
            builder.set_access(ServedBuckets {
                r2: options.r2.map(|rules| r2::R2Checks::new(rules, &options.root)),
                root: options.root.clone(),
            });
            builder.build()
        };
        let listener = TcpListener::bind(("127.0.0.1", options.port))
            .await
            .map_err(|e| {
                if e.kind() == std::io::ErrorKind::AddrInUse {
                    Error::PortInUse(options.port)
                } else {
                    Error::Start(e.to_string())
                }
            })?;
        let addr = listener.local_addr().map_err(|e| Error::Start(e.to_string()))?;
        let (shutdown, mut stopped) = watch::channel(false);
        let task = tokio::spawn(async move {
            let http = ConnBuilder::new(TokioExecutor::new());
            let graceful = hyper_util::server::graceful::GracefulShutdown::new();
            loop {
                let socket = tokio::select! {
                    accepted = listener.accept() => match accepted {
                        Ok((socket, _)) => socket,
                        Err(e) => {
                            tracing::warn!("sandbox: accept failed: {e}");
                            continue;
                        }
                    },
                    _ = stopped.changed() => break,
                };
                let _ = socket.set_nodelay(true);
                let conn = http.serve_connection(TokioIo::new(socket), service.clone());
                let conn = graceful.watch(conn.into_owned());
                tokio::spawn(async move {
                    let _ = conn.await;
                });
            }
            tokio::select! {
                () = graceful.shutdown() => {}
                () = tokio::time::sleep(Duration::from_secs(5)) => {}
            }
        });
        Ok(Sandbox {
            addr,
            shutdown,
            task: Some(task),
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops accepting, lets in-flight requests finish (up to 5 s), and returns.
    pub async fn stop(mut self) {
        let _ = self.shutdown.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
    }
}

/// True when something already listens on the port, e.g. a `cubby sandbox` in another terminal.
pub async fn is_listening(port: u16) -> bool {
    matches!(
        tokio::time::timeout(
            Duration::from_millis(300),
            tokio::net::TcpStream::connect(("127.0.0.1", port))
        )
        .await,
        Ok(Ok(_))
    )
}

/// Starts the sandbox unless something already listens on its port (a `cubby sandbox` in another
/// terminal, or the desktop app). `None` means the running one is used.
pub async fn ensure_running(options: Options) -> Result<Option<Sandbox>, Error> {
    if options.port != 0 && is_listening(options.port).await {
        return Ok(None);
    }
    match Sandbox::start(options).await {
        Ok(sandbox) => Ok(Some(sandbox)),
        // Lost a race with another process starting it: use that one.
        Err(Error::PortInUse(_)) => Ok(None),
        Err(e) => Err(e),
    }
}
