//! The sandbox's port is only trusted when the server there proves it knows the sandbox's keys:
//! a program that took the port first would otherwise receive every upload.

use std::io::{Read, Write};

use cubby_core::profile::{Config, Profile};
use cubby_core::resolve::Env;
use cubby_core::{sandbox, Credentials, Secret};

fn profile_on(port: u16) -> Profile {
    let mut profile = sandbox::profile(&Config::default(), &Env::default());
    profile.endpoint = Some(format!("http://127.0.0.1:{port}"));
    profile
}

fn keys() -> Credentials {
    Credentials::new("CUBBYGUARDTESTKEY01", Secret::new("guard-test-secret-0123456789"))
}

#[tokio::test]
async fn the_real_sandbox_passes_the_check() {
    let dir = tempfile::tempdir().expect("tempdir");
    let credentials = keys();
    let server = cubby_sandbox::Sandbox::start(cubby_sandbox::Options {
        root: dir.path().to_path_buf(),
        bucket: sandbox::BUCKET.to_string(),
        port: 0,
        access_key: credentials.access_key_id.clone(),
        secret_key: credentials.secret.expose().to_string(),
        r2: None,
    })
    .await
    .expect("sandbox");
    sandbox::verify_running(&profile_on(server.addr().port()), &credentials)
        .await
        .expect("our own sandbox");
    // A sandbox with other keys is not ours either.
    let other = Credentials::new(
        credentials.access_key_id.clone(),
        Secret::new("another-secret-entirely-xyz"),
    );
    assert!(sandbox::verify_running(&profile_on(server.addr().port()), &other)
        .await
        .is_err());
    server.stop().await;
}

/// A squatter that answers every request alike (here: 404, as if every key were missing)
/// cannot tell right signatures from wrong ones.
#[tokio::test]
async fn a_squatter_on_the_port_is_refused() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || {
                let mut stream = stream;
                let mut buf = [0u8; 8192];
                while let Ok(n) = stream.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    let body = "<Error><Code>NoSuchKey</Code><Message>none</Message></Error>";
                    let reply = format!(
                        "HTTP/1.1 404 Not Found\r\nContent-Type: application/xml\r\nContent-Length: {}\r\n\r\n{body}",
                        body.len()
                    );
                    if stream.write_all(reply.as_bytes()).is_err() {
                        break;
                    }
                }
            });
        }
    });
    let err = sandbox::verify_running(&profile_on(port), &keys())
        .await
        .expect_err("a squatter");
    assert!(err.to_string().contains("not Cubby's sandbox"), "{err}");
}
