"""A TCP proxy for the high-availability tests: tcp_proxy.py LISTEN_HOST:PORT TARGET_HOST:PORT.

Forwards every connection to the target. SIGSTOP freezes every connection (a network partition:
nothing refused, nothing closed, nothing answered); SIGCONT resumes them."""
import socket
import sys
import threading


def pipe(source, sink):
    try:
        while True:
            data = source.recv(65536)
            if not data:
                break
            sink.sendall(data)
    except OSError:
        pass
    finally:
        for end in (source, sink):
            try:
                end.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def main():
    listen_host, listen_port = sys.argv[1].rsplit(":", 1)
    target_host, target_port = sys.argv[2].rsplit(":", 1)
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind((listen_host, int(listen_port)))
    server.listen(64)
    while True:
        client, _ = server.accept()
        upstream = socket.create_connection((target_host, int(target_port)))
        threading.Thread(target=pipe, args=(client, upstream), daemon=True).start()
        threading.Thread(target=pipe, args=(upstream, client), daemon=True).start()


if __name__ == "__main__":
    main()
