//! TLS in the binary: with `--tls-cert` and `--tls-key` the server speaks https and wss, marks
//! its cookie `Secure`, sends HSTS, still shuts down gracefully, answers plain http with no
//! HTTP at all, and is not held up by a client that never finishes its handshake. Certificates
//! are made for each run; the clients trust that one certificate and nothing else.

use std::path::Path;
use std::time::Duration;

use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::http::HeaderValue;

use crate::support::{Client, Server, TestTls, WAIT, warroom};

#[tokio::test]
async fn signs_in_over_https_and_works_over_wss_until_a_graceful_shutdown() {
    let mut server = Server::start_tls(&[]).await;
    assert!(server.origin().starts_with("https://"));

    // Signing in over https: the cookie is Secure, and browsers are told to stay on https.
    let body = json!({ "name": "Alice" }).to_string();
    let signed_in = server
        .raw(
            "POST",
            "/api/session",
            Some(&body),
            &[("Content-Type", "application/json")],
        )
        .await;
    assert_eq!(signed_in.status, 201, "{}", signed_in.text());
    let cookie = signed_in.header("set-cookie").expect("a session cookie");
    assert!(
        cookie.split(';').any(|a| a.trim() == "Secure"),
        "the cookie is Secure: {cookie}"
    );
    assert_eq!(
        signed_in.header("strict-transport-security"),
        Some("max-age=31536000")
    );
    let health = server.raw("GET", "/healthz", None, &[]).await;
    assert_eq!(health.status, 200);
    assert!(health.header("strict-transport-security").is_some());

    // A wss connection with that session, as a browser on the https page would open it.
    let incident = server
        .declare("p-alice", "Alice", "Certificate expiry")
        .await;
    let mut request = server.ws_request("p-alice").await;
    request.headers_mut().insert(
        "origin",
        HeaderValue::from_str(&server.origin()).expect("an origin header"),
    );
    let mut alice = Client::connect_with(&server, request, None)
        .await
        .expect("the wss upgrade succeeds");
    alice.participant = server.id_of("p-alice").await.to_string();
    alice
        .send_json(&json!({
            "type": "hello",
            "protocol": 2,
            "incident": incident,
            "last_seq": 0,
        }))
        .await;
    alice.until_present().await;
    let seq = alice.post("c-tls-1", "Renewed the certificate").await;
    alice.sync_to(seq).await;
    assert_eq!(alice.replica.note_texts(), ["Renewed the certificate"]);

    // A graceful shutdown still says "going away" over TLS, and exits cleanly.
    server.terminate();
    assert_eq!(alice.until_closed().await, Some(1001), "going away");
    let status = server.exited().await;
    assert!(status.success(), "a clean exit on SIGTERM: {status}");

    // The same certificate serves the next run, and the note is still there.
    let server = server.start_again().await;
    let fresh = Client::join(&server, &incident, "p-bob").await;
    assert_eq!(fresh.replica.note_texts(), ["Renewed the certificate"]);
}

#[tokio::test]
async fn plain_http_to_the_tls_port_gets_no_http_answer() {
    let server = Server::start_tls(&[]).await;
    let exchange = async {
        let mut tcp = TcpStream::connect(("127.0.0.1", server.port)).await?;
        let request = format!(
            "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\n\r\n",
            server.port
        );
        tcp.write_all(request.as_bytes()).await?;
        let mut answer = Vec::new();
        // The server may reset the connection instead of closing it: that is no answer either.
        let _ = tcp.read_to_end(&mut answer).await;
        std::io::Result::Ok(answer)
    };
    let answer = tokio::time::timeout(WAIT, exchange)
        .await
        .expect("the server ends the connection in time")
        .expect("connecting to the server");
    assert!(
        !answer.starts_with(b"HTTP/"),
        "plain http got an HTTP answer: {:?}",
        String::from_utf8_lossy(&answer)
    );
    // The failed handshake is no error, and the server goes on serving https.
    assert_eq!(server.raw("GET", "/healthz", None, &[]).await.status, 200);
    let log = server.logged("TLS handshake failed").await;
    assert!(!log.contains("ERROR"), "{log}");
}

#[tokio::test]
async fn a_client_that_never_finishes_its_handshake_holds_nobody_up() {
    let server = Server::start_tls(&[]).await;
    // Connected, and then silent: each handshake waits in its own task.
    let mut silent = Vec::new();
    for _ in 0..3 {
        silent.push(
            TcpStream::connect(("127.0.0.1", server.port))
                .await
                .unwrap(),
        );
    }
    // Half a ClientHello: a TLS record header that promises more than ever comes.
    silent[0]
        .write_all(&[0x16, 0x03, 0x01, 0x02, 0x00, 0x01])
        .await
        .unwrap();
    // Well inside the 10 s a stalled handshake is given: nobody waits for the silent ones.
    let others = async {
        for _ in 0..3 {
            let health = server.raw("GET", "/healthz", None, &[]).await;
            assert_eq!(health.status, 200);
        }
    };
    tokio::time::timeout(Duration::from_secs(5), others)
        .await
        .expect("https requests are answered while other handshakes stall");
    // After its deadline, a stalled handshake is dropped, quietly.
    let mut byte = [0; 1];
    let read = tokio::time::timeout(WAIT, silent[0].read(&mut byte)).await;
    assert!(
        matches!(read, Ok(Ok(0) | Err(_))),
        "the stalled connection is closed: {read:?}"
    );
    let log = server.logged("TLS handshake timed out").await;
    assert!(!log.contains("ERROR"), "{log}");
}

#[tokio::test]
async fn tls_flags_come_in_pairs_and_unusable_files_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let tls = TestTls::generate(dir.path());
    let data = dir.path().join("data");
    let junk = dir.path().join("junk.pem");
    std::fs::write(&junk, "-----BEGIN CERTIFICATE-----\nnot base64!\n").unwrap();
    let serve = |cert: Option<&Path>, key: Option<&Path>| {
        let mut args = vec![
            "serve".to_owned(),
            "--addr".into(),
            "127.0.0.1:0".into(),
            "--data-dir".into(),
            data.display().to_string(),
        ];
        for (flag, file) in [("--tls-cert", cert), ("--tls-key", key)] {
            if let Some(file) = file {
                args.extend([flag.to_owned(), file.display().to_string()]);
            }
        }
        async move { warroom(&args).await }
    };
    serve(Some(&tls.cert), None)
        .await
        .failed_saying("--tls-cert needs --tls-key");
    serve(None, Some(&tls.key))
        .await
        .failed_saying("--tls-key needs --tls-cert");
    let run = serve(Some(&junk), Some(&tls.key)).await;
    run.failed_saying(&format!(
        "cannot read the TLS certificate {}",
        junk.display()
    ));
    assert_eq!(run.stdout, "", "no up-line from a server that cannot start");
    serve(Some(&tls.cert), Some(&junk))
        .await
        .failed_saying(&format!(
            "cannot read the TLS private key {}: a section has no `-----END CERTIFICATE-----` line",
            junk.display()
        ));
    serve(Some(&tls.cert), Some(&tls.cert))
        .await
        .failed_saying(&format!(
            "the TLS key file {} holds no PEM private key",
            tls.cert.display()
        ));
}
