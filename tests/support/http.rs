//! A raw HTTP/1.1 client and stub upstreams that echo what they received, as JSON.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// What a stub upstream saw.
#[derive(Debug, Clone, serde::Deserialize, PartialEq, Eq)]
pub struct Echo {
    pub service: String,
    pub method: String,
    pub uri: String,
    pub headers: BTreeMap<String, String>,
}

/// This machine's address on its default route: an origin that is not loopback, which svc
/// refuses as a destination. Found by a UDP socket's connect, which sends nothing.
pub fn outward_address() -> std::net::Ipv4Addr {
    let socket = std::net::UdpSocket::bind("0.0.0.0:0").unwrap();
    socket
        .connect("192.0.2.1:9")
        .expect("this machine has a default route");
    match socket.local_addr().unwrap().ip() {
        std::net::IpAddr::V4(address) => address,
        other => panic!("no IPv4 address on the default route: {other}"),
    }
}

/// An upstream that answers every request with an [`Echo`] of it.
pub struct Stub {
    pub name: String,
    pub port: u16,
    hits: Arc<AtomicUsize>,
}

impl Stub {
    pub fn start(name: &str) -> Stub {
        Stub::start_on(name, std::net::Ipv4Addr::LOCALHOST)
    }

    /// A stub on one of this machine's addresses.
    pub fn start_on(name: &str, address: std::net::Ipv4Addr) -> Stub {
        let listener = TcpListener::bind((address, 0)).unwrap();
        let port = listener.local_addr().unwrap().port();
        let hits = Arc::new(AtomicUsize::new(0));
        let (service, counter) = (name.to_string(), hits.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                counter.fetch_add(1, Ordering::SeqCst);
                let service = service.clone();
                std::thread::spawn(move || answer(stream, &service));
            }
        });
        Stub {
            name: name.to_string(),
            port,
            hits,
        }
    }

    pub fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }
}

fn answer(mut stream: TcpStream, service: &str) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let Some(head) = read_head(&mut stream) else {
        return;
    };
    let mut lines = head.split("\r\n");
    let request_line = lines.next().unwrap_or_default();
    let mut parts = request_line.split(' ');
    let method = parts.next().unwrap_or_default().to_string();
    let uri = parts.next().unwrap_or_default().to_string();
    let headers: BTreeMap<String, String> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let body =
        serde_json::json!({ "service": service, "method": method, "uri": uri, "headers": headers })
            .to_string();
    // Headers a real app might send too, so tests see how rule headers combine with them.
    let response = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Frame-Options: SAMEORIGIN\r\nCache-Control: max-age=60\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(response.as_bytes());
}

fn read_head(stream: &mut TcpStream) -> Option<String> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if stream.read(&mut byte).ok()? == 0 {
            return None;
        }
        head.push(byte[0]);
    }
    String::from_utf8(head).ok()
}

#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn header_count(&self, name: &str) -> usize {
        self.headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .count()
    }

    /// The upstream's echo, when a stub answered.
    pub fn echo(&self) -> Option<Echo> {
        serde_json::from_str(&self.body).ok()
    }
}

/// Sends one request and reads the whole answer (the connection is closed by the server).
pub fn request(port: u16, method: &str, target: &str, headers: &[(&str, &str)]) -> Response {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut text = format!("{method} {target} HTTP/1.1\r\n");
    if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("host")) {
        text.push_str("Host: svc.test\r\n");
    }
    for (k, v) in headers {
        text.push_str(&format!("{k}: {v}\r\n"));
    }
    text.push_str("Connection: close\r\nContent-Length: 0\r\n\r\n");
    stream.write_all(text.as_bytes()).unwrap();
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    parse_response(&String::from_utf8_lossy(&raw))
}

fn parse_response(raw: &str) -> Response {
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((raw, ""));
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    Response {
        status,
        headers,
        body: body.to_string(),
    }
}

/// A GET to a port on loopback with a given `Host`, the whole response (status line, headers,
/// body) as text; empty when nothing accepts the connection.
pub fn get_from(port: u16, path: &str, host: &str) -> String {
    let Ok(mut stream) =
        TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), Duration::from_secs(2))
    else {
        return String::new();
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    if write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .is_err()
    {
        return String::new();
    }
    let mut bytes = Vec::new();
    let _ = stream.read_to_end(&mut bytes);
    String::from_utf8_lossy(&bytes).into_owned()
}
