#!/usr/bin/env python3
"""An HTTP proxy in front of an S3-compatible server that fails requests on purpose, for tests.

    s3_fault_proxy.py UPSTREAM_PORT [--storm N] [--reset-every M]

Listens on a free loopback port and prints "listening PORT" once ready. Of every N requests
(--storm, default 3) the first N-1 are answered "503 SlowDown" without reaching the server;
with --reset-every M, every M-th request has its connection closed with no answer at all.
The rest are forwarded unchanged. Prints "request METHOD PATH RANGE" and "served TOTAL FAILED RESET"
on stdout at each request.
A line "outage" on standard input makes every request fail with 503, "outage-reads" every ranged
GET (an object's bytes: listings still work), until a line "heal" (each is acknowledged with the
same word on stdout). Stops when its standard input closes.
"""
import http.client
import http.server
import sys
import threading

SLOW_DOWN = (b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code>'
             b'<Message>Please reduce your request rate.</Message></Error>')


def main():
    upstream = int(sys.argv[1])
    storm = 3
    reset_every = 0
    args = sys.argv[2:]
    while args:
        flag = args.pop(0)
        if flag == '--storm':
            storm = int(args.pop(0))
        elif flag == '--reset-every':
            reset_every = int(args.pop(0))
        else:
            sys.exit(f's3_fault_proxy: unknown option {flag}')
    lock = threading.Lock()
    counts = {'total': 0, 'failed': 0, 'reset': 0}
    outage = {'all': False, 'reads': False}

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = 'HTTP/1.1'

        def log_message(self, *args):
            pass

        def handle_one(self):
            length = int(self.headers.get('Content-Length') or 0)
            body = self.rfile.read(length) if length else b''
            with lock:
                counts['total'] += 1
                n = counts['total']
                reset = not outage['all'] and reset_every and n % reset_every == 0
                down = outage['all'] or (outage['reads'] and 'Range' in self.headers)
                fail = down or (not reset and storm > 1 and n % storm != 0)
                if reset:
                    counts['reset'] += 1
                elif fail:
                    counts['failed'] += 1
                print('request', self.command, self.path, self.headers.get('Range') or '-', flush=True)
                print('served', counts['total'], counts['failed'], counts['reset'], flush=True)
            if reset:
                self.close_connection = True
                self.connection.shutdown(2)
                return
            if fail:
                self.send_response(503)
                self.send_header('Content-Type', 'application/xml')
                self.send_header('Content-Length', str(len(SLOW_DOWN)))
                self.end_headers()
                self.wfile.write(SLOW_DOWN)
                return
            connection = http.client.HTTPConnection('127.0.0.1', upstream, timeout=60)
            headers = {k: v for k, v in self.headers.items() if k.lower() not in ('connection',)}
            connection.request(self.command, self.path, body=body, headers=headers)
            answer = connection.getresponse()
            data = answer.read()
            self.send_response(answer.status)
            for key, value in answer.getheaders():
                if key.lower() not in ('content-length', 'transfer-encoding', 'connection', 'server', 'date'):
                    self.send_header(key, value)
            self.send_header('Content-Length', str(len(data)))
            self.end_headers()
            if self.command != 'HEAD':
                self.wfile.write(data)
            connection.close()

        do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = handle_one

    server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print('listening', server.server_address[1], flush=True)
    for line in sys.stdin:
        command = line.strip()
        with lock:
            if command == 'outage':
                outage['all'] = True
            elif command == 'outage-reads':
                outage['reads'] = True
            elif command == 'heal':
                outage['all'] = outage['reads'] = False
            else:
                continue
        print(command, flush=True)
    server.shutdown()


if __name__ == '__main__':
    main()
