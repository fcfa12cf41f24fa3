# A fake server for `sslpp connect --starttls` tests: one connection on
# 127.0.0.1, the server's half of one protocol's upgrade dance, then TLS
# (Python's ssl module) and an upper-casing echo of one read.
#
#   fake_server.py PROTOCOL SCENARIO CERT KEY
#
# SCENARIO is "ok" (the upgrade happens), "refuse" (the server says no),
# "other" (the server speaks another protocol) or, for smtp, "inject" (text
# after the last reply). The first line printed is
# "port N"; the last is JSON: what the client sent before TLS ("saw") and
# whether TLS happened. Every wait is bounded (20 s), and reads are one
# byte at a time so that no TLS byte is read as protocol text.
import json
import socket
import ssl
import sys

protocol, scenario, cert, key = sys.argv[1:5]
srv = socket.create_server(("127.0.0.1", 0))
srv.settimeout(20)
print("port", srv.getsockname()[1], flush=True)
conn, _ = srv.accept()
conn.settimeout(20)
saw = []


def finish(tls, **extra):
    print(json.dumps(dict(saw=saw, tls=tls, **extra)), flush=True)
    sys.exit(0)


def byte():
    b = conn.recv(1)
    if not b:
        finish(False, closed_early=True)
    return b


def exactly(n):
    out = b""
    while len(out) < n:
        out += byte()
    return out


def until(end):
    out = b""
    while not out.endswith(end):
        out += byte()
    return out.decode("latin-1")


def send(data):
    conn.sendall(data.encode("latin-1") if isinstance(data, str) else data)


def wait_for_close():
    # The client fails and closes; whatever else it sends is not TLS here.
    try:
        while conn.recv(4096):
            pass
    except OSError:
        pass
    finish(False)


refuse = scenario == "refuse"
if scenario == "other":
    # An IMAP greeting where SMTP, FTP or POP3 is expected; an SMTP
    # greeting for the others.
    send("* OK IMAP4rev1 ready\r\n" if protocol in ("smtp", "ftp", "pop3") else "220 mail.example ESMTP\r\n")
    wait_for_close()
elif protocol == "smtp":
    send("220-mail.example ESMTP\r\n220 a second greeting line\r\n")
    saw.append(until(b"\n"))
    extensions = "250-PIPELINING\r\n" if refuse else "250-PIPELINING\r\n250-STARTTLS\r\n"
    send("250-mail.example\r\n" + extensions + "250 8BITMIME\r\n")
    if refuse:
        wait_for_close()
    saw.append(until(b"\n"))
    # "inject": plain text after the last reply, where TLS must start (a
    # man in the middle's trick): the client must hand it to TLS, not skip it.
    send("220 2.0.0 Ready to start TLS\r\n" + ("250 injected\r\n" if scenario == "inject" else ""))
elif protocol == "imap":
    send("* OK [CAPABILITY IMAP4rev1 STARTTLS] ready\r\n")
    saw.append(until(b"\n"))
    if refuse:
        send("a1 NO STARTTLS is not available now\r\n")
        wait_for_close()
    send("* CAPABILITY IMAP4rev1\r\na1 OK Begin TLS negotiation now\r\n")
elif protocol == "pop3":
    send("+OK POP3 ready\r\n")
    saw.append(until(b"\n"))
    if refuse:
        send("-ERR not now\r\n")
        wait_for_close()
    send("+OK Begin TLS\r\n")
elif protocol == "ftp":
    send("220-Welcome\r\n220 FTP ready\r\n")
    saw.append(until(b"\n"))
    if refuse:
        send("504 Security mechanism not understood\r\n")
        wait_for_close()
    send("234 AUTH TLS OK.\r\n")
elif protocol == "postgres":
    saw.append(exactly(8).hex())
    if refuse:
        send(b"N")
        wait_for_close()
    send(b"S")
elif protocol == "xmpp":
    saw.append(until(b">"))  # <?xml version='1.0'?>
    saw.append(until(b">"))  # <stream:stream ...>
    send("<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
         "xmlns:stream='http://etherx.jabber.org/streams' id='s1' from='localhost' version='1.0'>"
         "<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls>"
         "</stream:features>")
    saw.append(until(b">"))
    if refuse:
        send("<failure xmlns='urn:ietf:params:xml:ns:xmpp-tls'/></stream:stream>")
        wait_for_close()
    send("<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")
elif protocol == "ldap":
    head = exactly(2)
    saw.append((head + exactly(head[1])).hex())
    code, diagnostic = (2, b"StartTLS not supported") if refuse else (0, b"")
    result = b"\x0a\x01" + bytes([code]) + b"\x04\x00" + b"\x04" + bytes([len(diagnostic)]) + diagnostic
    message = b"\x02\x01\x01" + b"\x78" + bytes([len(result)]) + result
    send(b"\x30" + bytes([len(message)]) + message)
    if refuse:
        wait_for_close()
else:
    sys.exit("unknown protocol " + protocol)

ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
try:
    tls = ctx.wrap_socket(conn, server_side=True)
except (ssl.SSLError, OSError) as e:
    finish(False, handshake_error=str(e))
tls.sendall(tls.recv(1024).upper())
version = tls.version()
try:
    tls.unwrap()
except OSError:
    pass
finish(True, version=version)
