//! TLS and mTLS on the gRPC port, with certificates made in the test (`rcgen`): a job's round
//! trip through the client library and through the CLI over `https://` to separately running
//! services that require client certificates; and the refusals — no client certificate, a
//! certificate from another CA, an untrusted server, and plain text to a TLS port. And Redis
//! over TLS (`rediss://`), against a real `redis-server` serving TLS with the test PKI.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::Deployment;
use futures::StreamExt;
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};
use specdoc_client::{Client, ClientConfig, ClientTls, DocumentationJob, JobState};
use specdoc_testkit::{ChildGuard, TempDir, binary, free_port};
use std::path::PathBuf;
use std::time::Duration;
use tonic::transport::{Certificate, ClientTlsConfig, Endpoint, Identity};
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;

/// PEM files of a test PKI: a CA, a server certificate for 127.0.0.1 and localhost, a client
/// certificate it signed, and a client certificate from an unrelated CA.
struct Pki {
    _dir: TempDir,
    ca: PathBuf,
    server_cert: PathBuf,
    server_key: PathBuf,
    client_cert: PathBuf,
    client_key: PathBuf,
    rogue_cert: PathBuf,
    rogue_key: PathBuf,
}

fn authority(name: &str) -> CertifiedIssuer<'static, KeyPair> {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, name);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap()
}

/// A leaf certificate for `names`, signed by `ca`: (certificate PEM, key PEM).
fn leaf(
    ca: &CertifiedIssuer<'static, KeyPair>,
    names: &[&str],
    usage: ExtendedKeyUsagePurpose,
) -> (String, String) {
    let key = KeyPair::generate().unwrap();
    let mut params =
        CertificateParams::new(names.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>()).unwrap();
    params.distinguished_name.push(DnType::CommonName, names[0]);
    params.extended_key_usages = vec![usage];
    let cert = params.signed_by(&key, ca).unwrap();
    (cert.pem(), key.serialize_pem())
}

impl Pki {
    fn new() -> Self {
        let dir = TempDir::new();
        let write = |name: &str, pem: &str| {
            let path = dir.path().join(name);
            std::fs::write(&path, pem).unwrap();
            path
        };
        let ca = authority("specdoc test CA");
        let (server_cert, server_key) = leaf(
            &ca,
            &["localhost", "127.0.0.1"],
            ExtendedKeyUsagePurpose::ServerAuth,
        );
        let (client_cert, client_key) = leaf(&ca, &["worker"], ExtendedKeyUsagePurpose::ClientAuth);
        let rogue = authority("someone else's CA");
        let (rogue_cert, rogue_key) =
            leaf(&rogue, &["intruder"], ExtendedKeyUsagePurpose::ClientAuth);
        Self {
            ca: write("ca.pem", &ca.as_ref().pem()),
            server_cert: write("server.pem", &server_cert),
            server_key: write("server-key.pem", &server_key),
            client_cert: write("client.pem", &client_cert),
            client_key: write("client-key.pem", &client_key),
            rogue_cert: write("rogue.pem", &rogue_cert),
            rogue_key: write("rogue-key.pem", &rogue_key),
            _dir: dir,
        }
    }

    fn server_env(&self, mutual: bool) -> Vec<(&'static str, String)> {
        let mut env = vec![
            ("TLS_CERT", self.server_cert.display().to_string()),
            ("TLS_KEY", self.server_key.display().to_string()),
        ];
        if mutual {
            env.push(("TLS_CLIENT_CA", self.ca.display().to_string()));
        }
        env
    }

    fn client(&self, identity: Option<(&PathBuf, &PathBuf)>) -> ClientTls {
        ClientTls {
            ca: Some(self.ca.clone()),
            cert: identity.map(|(cert, _)| cert.clone()),
            key: identity.map(|(_, key)| key.clone()),
        }
    }

    /// tonic's client configuration for the same settings, for the readiness probe.
    fn tonic_client(&self) -> ClientTlsConfig {
        let pem = |path: &PathBuf| std::fs::read(path).unwrap();
        ClientTlsConfig::new()
            .ca_certificate(Certificate::from_pem(pem(&self.ca)))
            .identity(Identity::from_pem(
                pem(&self.client_cert),
                pem(&self.client_key),
            ))
    }
}

/// A service started with TLS: the process, its gRPC port and its (plain) HTTP port.
struct Started {
    _child: ChildGuard,
    grpc: u16,
    http: u16,
}

/// Starts a service with TLS on a free port and waits, over TLS, until it reports SERVING;
/// a port taken between choosing and binding it means another try on another port.
async fn spawn_tls(
    deployment: &Deployment,
    name: &str,
    env: &[(&str, String)],
    tls: &ClientTlsConfig,
) -> Started {
    for _ in 0..5 {
        let (port, http) = (free_port(), free_port());
        let http_listen = format!("127.0.0.1:{http}");
        let mut env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        env.push(("HTTP_LISTEN", &http_listen));
        let mut child = deployment.spawn(name, port, &env);
        if serves_over_tls(port, &mut child, tls).await {
            return Started {
                _child: child,
                grpc: port,
                http,
            };
        }
    }
    panic!("{name} never served on any of 5 ports");
}

/// Waits until `port` reports SERVING over TLS; false as soon as `child` exits (its port was
/// taken, say).
async fn serves_over_tls(port: u16, child: &mut ChildGuard, tls: &ClientTlsConfig) -> bool {
    let endpoint = Endpoint::from_shared(format!("https://127.0.0.1:{port}"))
        .unwrap()
        .tls_config(tls.clone())
        .unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(channel) = endpoint.connect().await {
            let reply = HealthClient::new(channel)
                .check(tonic_health::pb::HealthCheckRequest::default())
                .await;
            if reply.is_ok_and(|r| r.into_inner().status == ServingStatus::Serving as i32) {
                return true;
            }
        }
        if child.0.try_wait().unwrap().is_some() {
            return false;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "port {port} never served over TLS"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A plain HTTP/1.1 GET, answered with the whole response.
async fn http_get(port: u16, path: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    response
}

fn client_of(url: &str, tls: ClientTls) -> Client {
    Client::new(&ClientConfig {
        scheduler_url: url.to_owned(),
        tracker_url: url.to_owned(),
        token: Some(specdoc_testkit::ADMIN_TOKEN.into()),
        tls,
    })
    .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_job_round_trips_over_mtls_through_the_client_library_and_the_cli() {
    let pki = Pki::new();
    let deployment = Deployment::new().await;
    let env = pki.server_env(true);
    let probe = pki.tonic_client();
    let scheduler = spawn_tls(&deployment, "specdoc-scheduler", &env, &probe).await;
    let tracker = spawn_tls(&deployment, "specdoc-tracker", &env, &probe).await;
    let _worker = spawn_tls(&deployment, "specdoc-worker", &env, &probe).await;
    let scheduler_url = format!("https://127.0.0.1:{}", scheduler.grpc);
    // By name, so the certificate's DNS name is checked too.
    let tracker_url = format!("https://localhost:{}", tracker.grpc);
    let tracker_port = tracker.grpc;

    // The client library, presenting the client certificate.
    let client = Client::new(&ClientConfig {
        scheduler_url: scheduler_url.clone(),
        tracker_url: tracker_url.clone(),
        token: Some(specdoc_testkit::ADMIN_TOKEN.into()),
        tls: pki.client(Some((&pki.client_cert, &pki.client_key))),
    })
    .unwrap();
    let submitted = client
        .submit_documentation_job(DocumentationJob::new(
            "tls",
            "petstore",
            specdoc_testkit::example("petstore.yaml"),
        ))
        .await
        .expect("submission over mTLS");
    let events: Vec<_> = tokio::time::timeout(
        Duration::from_secs(60),
        client.watch_job(&submitted.job_id, 0).collect::<Vec<_>>(),
    )
    .await
    .expect("the job ends within a minute");
    assert!(events.iter().all(Result::is_ok), "{events:?}");
    let job = client.get_job_status(&submitted.job_id).await.unwrap();
    assert_eq!(job.state, JobState::Completed.to_proto());

    // The CLI, configured through the environment.
    let output = std::process::Command::new(binary("specdoc"))
        .args(["status", &submitted.job_id])
        .env("SPECDOC_SCHEDULER_URL", &scheduler_url)
        .env("SPECDOC_TRACKER_URL", &tracker_url)
        .env("SPECDOC_TOKEN", specdoc_testkit::ADMIN_TOKEN)
        .env("TLS_CA", &pki.ca)
        .env("TLS_CLIENT_CERT", &pki.client_cert)
        .env("TLS_CLIENT_KEY", &pki.client_key)
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && out.contains("state      completed"),
        "{out}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // The CLI without a client certificate is turned away, and says it could not connect.
    let output = std::process::Command::new(binary("specdoc"))
        .args(["status", &submitted.job_id])
        .env("SPECDOC_SCHEDULER_URL", &scheduler_url)
        .env("SPECDOC_TRACKER_URL", &tracker_url)
        .env("SPECDOC_TOKEN", specdoc_testkit::ADMIN_TOKEN)
        .env("TLS_CA", &pki.ca)
        .env_remove("TLS_CLIENT_CERT")
        .env_remove("TLS_CLIENT_KEY")
        .output()
        .unwrap();
    assert!(!output.status.success(), "no client certificate, no answer");

    // No client certificate, a certificate from another CA, or plain text: no answer.
    let refused = [
        (
            "no client certificate",
            client_of(&tracker_url, pki.client(None)),
        ),
        (
            "a certificate from another CA",
            client_of(
                &tracker_url,
                pki.client(Some((&pki.rogue_cert, &pki.rogue_key))),
            ),
        ),
        (
            "plain text",
            client_of(
                &format!("http://127.0.0.1:{tracker_port}"),
                ClientTls::default(),
            ),
        ),
    ];
    for (what, client) in refused {
        let answer = tokio::time::timeout(
            Duration::from_secs(10),
            client.get_job_status(&submitted.job_id),
        )
        .await
        .unwrap_or_else(|_| panic!("{what}: no answer within 10s"));
        assert!(answer.is_err(), "{what}: the server answered {answer:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn server_only_tls_serves_clients_that_trust_its_ca_and_nobody_else() {
    let pki = Pki::new();
    let deployment = Deployment::new().await;
    let probe = pki.tonic_client();
    let scheduler = spawn_tls(
        &deployment,
        "specdoc-scheduler",
        &pki.server_env(false),
        &probe,
    )
    .await;
    let port = scheduler.grpc;
    let url = format!("https://127.0.0.1:{port}");
    // Probes and Prometheus still reach the HTTP port in plain text.
    for path in ["/livez", "/healthz", "/metrics"] {
        let response = http_get(scheduler.http, path).await;
        assert!(response.starts_with("HTTP/1.1 200"), "{path}: {response}");
    }

    // A client trusting the CA, without a certificate of its own: a real RPC round trip.
    let queue = client_of(&url, pki.client(None))
        .queue(None)
        .await
        .expect("GetQueueStatus over TLS");
    assert!(queue.workers.is_empty());

    // A client trusting only the platform's roots does not accept the test CA's certificate.
    let untrusting = client_of(&url, ClientTls::default());
    assert!(untrusting.queue(None).await.is_err());
    // Plain text to the TLS port gets no answer.
    let plain = client_of(&format!("http://127.0.0.1:{port}"), ClientTls::default());
    assert!(plain.queue(None).await.is_err());
    // Half a client identity is a configuration error, named before anything is dialled.
    let half = Client::new(&ClientConfig {
        scheduler_url: url.clone(),
        tracker_url: url,
        token: Some(specdoc_testkit::ADMIN_TOKEN.into()),
        tls: ClientTls {
            ca: Some(pki.ca.clone()),
            cert: Some(pki.client_cert.clone()),
            key: None,
        },
    });
    let error = half.expect_err("half an identity").to_string();
    assert!(
        error.contains("TLS_CLIENT_CERT and TLS_CLIENT_KEY"),
        "{error}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn services_reach_redis_over_tls_with_a_rediss_url() {
    let pki = Pki::new();
    let port = free_port();
    let path = |p: &PathBuf| p.display().to_string();
    let _redis = ChildGuard(
        std::process::Command::new("redis-server")
            .args([
                "--port",
                "0",
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .args(["--tls-port", &port.to_string(), "--tls-auth-clients", "no"])
            .args(["--tls-cert-file", &path(&pki.server_cert)])
            .args(["--tls-key-file", &path(&pki.server_key)])
            .args(["--tls-ca-cert-file", &path(&pki.ca)])
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("redis-server"),
    );
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err()
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "redis-server did not start"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let deployment = Deployment::with_redis(format!("rediss://127.0.0.1:{port}")).await;

    // Trusting the test CA (the platform roots, pointed at it by SSL_CERT_FILE): the scheduler
    // serves, and a job goes through Redis.
    let ca = path(&pki.ca);
    let (_scheduler, channel) = deployment
        .spawn_serving("specdoc-scheduler", &[("SSL_CERT_FILE", ca.as_str())])
        .await;
    let mut scheduler =
        specdoc_proto::scheduler::v1::scheduler_service_client::SchedulerServiceClient::new(
            specdoc_testkit::admin(channel),
        );
    let submitted = scheduler
        .submit_job(common::submit_request(
            "rediss",
            specdoc_testkit::example("petstore.yaml"),
            specdoc_proto::job::v1::JobType::Documentation,
        ))
        .await
        .expect("submission through TLS Redis")
        .into_inner();
    assert_eq!(submitted.queue_position, 1, "queued in Redis");

    // Not trusting it: the certificate is refused and the service does not start.
    let output = deployment
        .command(
            "specdoc-scheduler",
            free_port(),
            &[("SSL_CERT_FILE", "/dev/null")],
        )
        .stderr(std::process::Stdio::piped())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(
        !output.status.success(),
        "started with an untrusted Redis: {err}"
    );
    assert!(err.to_lowercase().contains("certificate"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn specdoc_up_serves_mtls_and_the_cli_submits_over_it_with_flags() {
    let pki = Pki::new();
    let data = TempDir::new();
    let port = free_port();
    let mut up = ChildGuard(
        std::process::Command::new(binary("specdoc"))
            .args(["up", "--listen", &format!("127.0.0.1:{port}")])
            .args(["--http-listen", &format!("127.0.0.1:{}", free_port())])
            .arg("--data-dir")
            .arg(data.path())
            .arg("--tls-cert")
            .arg(&pki.server_cert)
            .arg("--tls-key")
            .arg(&pki.server_key)
            .arg("--tls-client-ca")
            .arg(&pki.ca)
            .env("REDIS_URL", specdoc_testkit::redis_url())
            .env("REDIS_PREFIX", specdoc_testkit::unique_prefix())
            .env("RUST_LOG", "warn")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    );
    assert!(
        serves_over_tls(port, &mut up, &pki.tonic_client()).await,
        "specdoc up exited before serving"
    );
    let url = format!("https://127.0.0.1:{port}");
    let output = std::process::Command::new(binary("specdoc"))
        .args(["submit", "examples/petstore.yaml", "--team-id", "tls"])
        .args(["--service-name", "petstore", "--watch"])
        .args(["--scheduler-url", &url, "--tracker-url", &url])
        .arg("--tls-ca")
        .arg(&pki.ca)
        .arg("--tls-client-cert")
        .arg(&pki.client_cert)
        .arg("--tls-client-key")
        .arg(&pki.client_key)
        .arg("--token-file")
        .arg(data.path().join("admin-token"))
        .current_dir(specdoc_testkit::repo_root())
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && out.lines().last().unwrap_or("").contains("completed"),
        "{out}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
