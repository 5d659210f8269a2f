"""The browser tests' harness: the real programs (fieldcheck-server, fieldcheck, `fieldcheck ui`)
and Debian's Chromium driven through chromedriver, each started here and killed here.

Every process a test starts is recorded in one registry and killed when the test ends (its
fixtures' cleanups), when the interpreter exits, on SIGTERM and SIGINT, and when the test's own
deadline (`arm_deadline`, shorter than ctest's TIMEOUT) passes; direct children also die with
this interpreter (PR_SET_PDEATHSIG), and chromedriver runs in a process group of its own, so
Chromium's processes are killed with it. Every wait is bounded.

Configuration comes from `configure()` (run.py and bench_ui.py call it with the paths CMake
passes): the two programs, the seed folder and the output folder (BUILD/tests/browser) where
screenshots go (`screenshots/NAME.png`).
"""
import atexit
import base64
import ctypes
import http.client
import json
import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request

# Debian's python3-selenium (4.8); tests run with /usr/bin/python3, which has it.
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.remote.file_detector import UselessFileDetector
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"

# Bounded waits, in seconds: generous for a loaded two-core machine, short enough that a hang
# fails well inside ctest's TIMEOUT.
PROCESS_TIMEOUT_S = 60       # one run of a command-line program (init, login, user add, sync)
START_TIMEOUT_S = 30         # a server or `fieldcheck ui` printing its address
DRIVER_START_TIMEOUT_S = 30  # chromedriver answering /status, Chromium's session opening
WAIT_S = 20                  # a condition on the page (WebDriverWait)
STOP_TIMEOUT_S = 10          # a process ending after SIGTERM before SIGKILL follows

config = {
    "client": None,   # path of the `fieldcheck` program
    "server": None,   # path of `fieldcheck-server`
    "seed": None,     # the sample province's seed folder
    "out": None,      # BUILD/tests/browser: screenshots/ and the results go there
}


def configure(client, server, seed, out):
    """Sets the programs, the seed folder and the output folder every fixture uses."""
    config.update(client=os.path.abspath(client), server=server and os.path.abspath(server),
                  seed=os.path.abspath(seed), out=os.path.abspath(out))
    os.makedirs(screenshot_dir(), exist_ok=True)


def screenshot_dir():
    return os.path.join(config["out"], "screenshots")


def password_of(user):
    """The password tests give `user` (as tests/support/server_process.h does)."""
    return "password-of-" + user


# ---------------------------------------------------------------------------------------------
# Processes

_libc = ctypes.CDLL("libc.so.6", use_errno=True)
_PR_SET_PDEATHSIG = 1
_registry_lock = threading.Lock()
_registry = []  # every Popen started here and not yet reaped, oldest first


def _die_with_parent():
    # Runs in the child between fork and exec: if this interpreter dies (even by SIGKILL, as
    # ctest does on a timeout), the kernel sends the child SIGKILL.
    _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def start(argv, *, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
          own_group=False, env=None):
    """Starts `argv`, records it in the registry (killed by `stop`/`stop_all`) and returns the Popen.
    `own_group`: in a new session, so that `stop` kills its whole process group (chromedriver and
    the Chromium it starts)."""
    process = subprocess.Popen(argv, stdin=stdin, stdout=stdout, stderr=stderr, preexec_fn=_die_with_parent,
                               start_new_session=own_group, env=env)
    process.own_group = own_group
    with _registry_lock:
        _registry.append(process)
    return process


def _descendants(pid):
    """Every process whose ancestry leads to `pid` (read from /proc), children first found first."""
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                stat = f.read().decode("utf-8", "replace")
            ppid = int(stat[stat.rindex(")") + 2:].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def stop(process, sig=signal.SIGTERM, timeout=STOP_TIMEOUT_S):
    """Sends `sig` to `process` (and to its group and its descendants when it has its own group),
    waits at most `timeout` s, then SIGKILLs what is left; reaps it and removes it from the
    registry. Returns its exit code (negative: the signal that ended it)."""
    if process.poll() is None:
        stray = _descendants(process.pid) if process.own_group else []
        try:
            if process.own_group:
                os.killpg(process.pid, sig)
            else:
                process.send_signal(sig)
        except ProcessLookupError:
            pass
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            try:
                if process.own_group:
                    os.killpg(process.pid, signal.SIGKILL)
                else:
                    process.kill()
            except ProcessLookupError:
                pass
            process.wait(timeout=timeout)
        # Chromium's helpers may have left the group (its zygote does): kill them by pid.
        for pid in stray:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
    for stream in (process.stdin, process.stdout, process.stderr):
        if stream:
            try:
                stream.close()
            except OSError:
                pass
    with _registry_lock:
        if process in _registry:
            _registry.remove(process)
    return process.returncode


def stop_all():
    """Kills every process still in the registry, newest first (SIGKILL: this is the last resort)."""
    while True:
        with _registry_lock:
            if not _registry:
                return
            process = _registry[-1]
        try:
            stop(process, signal.SIGKILL, timeout=STOP_TIMEOUT_S)
        except Exception:  # noqa: BLE001 - the last resort must go on to the next process
            with _registry_lock:
                if process in _registry:
                    _registry.remove(process)


def _stop_all_and_exit(signum, _frame):
    stop_all()
    print(f"harness: stopped by signal {signum}; every process it started is killed", file=sys.stderr, flush=True)
    os._exit(1)


def arm_deadline(seconds):
    """Ends the run (exit 1, after killing every process started here) `seconds` from now: set
    shorter than ctest's TIMEOUT, so that what the test started is killed by us, not left over."""
    def expired(_signum, _frame):
        print(f"harness: the test's deadline of {seconds} s passed; killing what it started", file=sys.stderr,
              flush=True)
        stop_all()
        os._exit(1)
    signal.signal(signal.SIGALRM, expired)
    signal.alarm(int(seconds))


atexit.register(stop_all)
signal.signal(signal.SIGTERM, _stop_all_and_exit)


def run(argv, input_text=None, timeout=PROCESS_TIMEOUT_S, check=True):
    """Runs `argv` to completion (killed after `timeout` s) and returns the CompletedProcess;
    with `check`, raises AssertionError naming the command and its output when it fails."""
    process = start(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        out, err = process.communicate(input=(input_text or "").encode(), timeout=timeout)
    except subprocess.TimeoutExpired:
        stop(process, signal.SIGKILL)
        raise AssertionError(f"{' '.join(argv)} did not end within {timeout} s")
    finally:
        stop(process, signal.SIGKILL)
    result = subprocess.CompletedProcess(argv, process.returncode, out.decode("utf-8", "replace"),
                                         err.decode("utf-8", "replace"))
    if check and result.returncode != 0:
        raise AssertionError(f"{' '.join(argv)} exited with {result.returncode}:\n{result.stdout}\n{result.stderr}")
    return result


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def peak_memory_kib(pid):
    """VmHWM (KiB) of running process `pid`, from /proc/PID/status; None when it has ended."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


class TempDir:
    """A temporary folder removed by `close` (when the test passed, or FIELDCHECK_KEEP is unset)."""

    def __init__(self, prefix="fieldcheck-browser-"):
        self.path = tempfile.mkdtemp(prefix=prefix)

    def __truediv__(self, name):
        return os.path.join(self.path, name)

    def close(self):
        if not os.environ.get("FIELDCHECK_KEEP"):
            shutil.rmtree(self.path, ignore_errors=True)


# ---------------------------------------------------------------------------------------------
# The programs

class Server:
    """A real `fieldcheck-server --data DIR serve --listen 127.0.0.1:PORT`, as tests/support/
    server_process.cpp starts it: its output goes to DIR-server.log (emptied at each start), read
    for its port. `port` 0 picks a free one; `tls`, a (certificate, key) pair of PEM files, serves
    HTTPS with them (`--tls-cert`, `--tls-key`)."""

    def __init__(self, data_dir, port=0, tls=None):
        self.data = data_dir
        self.log = data_dir.rstrip("/") + "-server.log"
        self.scheme = "https" if tls else "http"
        argv = [config["server"], "--data", data_dir, "serve", "--listen", f"127.0.0.1:{port}"]
        if tls:
            argv += ["--tls-cert", tls[0], "--tls-key", tls[1]]
        with open(self.log, "wb") as log:
            self.process = start(argv, stdout=log, stderr=subprocess.STDOUT)
        self.port = None
        deadline = time.monotonic() + START_TIMEOUT_S
        while self.port is None and time.monotonic() < deadline:
            with open(self.log, "rb") as f:
                seen = f.read().decode("utf-8", "replace")
            found = re.search(self.scheme + r"://127\.0\.0\.1:(\d+)\s*\n", seen)
            if found:
                self.port = int(found.group(1))
            elif self.process.poll() is not None:
                break
            else:
                time.sleep(0.02)
        if self.port is None:
            stop(self.process, signal.SIGKILL)
            raise AssertionError(f"the server did not start; it printed:\n{seen}")

    @property
    def url(self):
        return f"{self.scheme}://127.0.0.1:{self.port}"

    def log_text(self):
        """What the server has written to its log since it started."""
        with open(self.log, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def stop(self):
        return stop(self.process)


class Province:
    """A provincial server's data folder, initialised from the seed, with its users; `serve()`
    starts the server on it. Its folder also holds the laptops' homes."""

    def __init__(self, seed=None):
        self.dir = TempDir()
        self.data = self.dir / "data"
        run([config["server"], "--data", self.data, "init", "--seed", seed or config["seed"]])
        self.server = None

    def add_user(self, name, *args):
        """`fieldcheck-server user add NAME ARGS...` (`--role inspector --district bao-lac`) with
        password_of(name) on its standard input."""
        run([config["server"], "--data", self.data, "user", "add", name, *args], input_text=password_of(name) + "\n")

    def server_json(self, *args):
        return json.loads(run([config["server"], "--data", self.data, *args, "--json"]).stdout)

    def serve(self, port=0, tls=None):
        """Starts the server (see `Server` for `port` and `tls`); the one started before, if any,
        must have been stopped."""
        self.server = Server(self.data, port, tls)
        return self.server

    def close(self):
        if self.server:
            self.server.stop()
        self.dir.close()


class Laptop:
    """An inspector's or supervisor's home used through the real `fieldcheck` program."""

    def __init__(self, home, user):
        self.home, self.user = home, user

    def run(self, *args, input_text=None, check=True):
        return run([config["client"], "--home", self.home, *args], input_text=input_text, check=check)

    def run_json(self, *args):
        return json.loads(self.run(*args, "--json").stdout)

    def init(self, seed=None):
        """Sets the home up offline from a seed folder (no server needed)."""
        self.run("init", "--seed", seed or config["seed"], "--user", self.user)

    def login(self, server, password=None, check=True, ca=None):
        """`fieldcheck login --server URL --user NAME [--ca CA]` with the password
        (password_of(NAME) unless given) on standard input; `ca`: the CA certificate file an
        https server's certificate is verified with."""
        return self.run("login", "--server", server.url, "--user", self.user, *(["--ca", ca] if ca else []),
                        input_text=(password or password_of(self.user)) + "\n", check=check)

    def sync(self):
        return self.run_json("sync")


class App:
    """`fieldcheck ui --home H --no-browser`, its address read from its first line of output.

    `url` is the one-time address (`/open?key=...`), `origin` http://127.0.0.1:PORT. Its output
    is drained by a thread, so the program never blocks on a full pipe; `lines` keeps it."""

    def __init__(self, home, *extra):
        self.home = home
        self.process = start([config["client"], "--home", home, "ui", "--no-browser", *extra],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.lines = queue.Queue()
        self.output = []
        threading.Thread(target=self._drain, daemon=True).start()
        try:
            first = self.lines.get(timeout=START_TIMEOUT_S)
        except queue.Empty:
            stop(self.process, signal.SIGKILL)
            raise AssertionError(f"`fieldcheck ui` printed nothing within {START_TIMEOUT_S} s")
        found = re.match(r"^Fieldcheck: (http://127\.0\.0\.1:(\d+))/open\?key=(\S+)$", first or "")
        if not found:
            self.stop()
            raise AssertionError(f"`fieldcheck ui`'s first line is not its address: {first!r}\n{''.join(self.output)}")
        self.url = first.split(" ", 1)[1]
        self.origin, self.port, self.key = found.group(1), int(found.group(2)), found.group(3)

    def _drain(self):
        try:
            for raw in self.process.stdout:
                line = raw.decode("utf-8", "replace")
                self.output.append(line)
                self.lines.put(line.rstrip("\n"))
        except (OSError, ValueError):
            pass  # the pipe was closed when the program was stopped
        self.lines.put(None)

    @property
    def pid(self):
        return self.process.pid

    def peak_memory_kib(self):
        return peak_memory_kib(self.process.pid)

    def kill(self):
        """SIGKILL, as a power cut or the task manager would end it."""
        return stop(self.process, signal.SIGKILL)

    def stop(self):
        return stop(self.process)


class SlowLink:
    """A TCP relay on 127.0.0.1 to `target_port` that lets `bytes_per_second` through each way,
    so a sync takes long enough for its progress to be seen moving. `port`: where to connect.
    Its threads are daemons; `close` stops accepting and closes every connection."""

    CHUNK_BYTES = 4096

    def __init__(self, target_port, bytes_per_second):
        self.target_port, self.rate = target_port, bytes_per_second
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.port = self.listener.getsockname()[1]
        self.sockets = []
        self.closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def _accept(self):
        while not self.closed:
            try:
                client, _ = self.listener.accept()
                upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=WAIT_S)
                upstream.settimeout(None)
            except OSError:
                return
            self.sockets += [client, upstream]
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client), daemon=True).start()

    def _pump(self, source, sink):
        # Sends each chunk no sooner than the rate allows since this direction started.
        started, sent = time.monotonic(), 0
        try:
            while True:
                data = source.recv(self.CHUNK_BYTES)
                if not data:
                    break
                sent += len(data)
                due = started + sent / self.rate
                delay = due - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def close(self):
        self.closed = True
        for s in [self.listener, *self.sockets]:
            try:
                s.close()
            except OSError:
                pass


# ---------------------------------------------------------------------------------------------
# Plain HTTP to the app (for the trust rules, below what a browser lets a page do)

class Reply:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    def header(self, name):
        return self.headers.get(name.lower())

    def json(self):
        return json.loads(self.body)


def http_request(port, method, target, headers=None, body=None, host=None, timeout=WAIT_S):
    """One request over a new connection to 127.0.0.1:`port`, exactly these headers (Host is
    `host`, else 127.0.0.1:PORT); never follows a redirect. Header names of the reply in lowercase
    (a repeated header's values joined with a newline)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
        connection.putheader("Host", host if host is not None else f"127.0.0.1:{port}")
        for name, value in (headers or {}).items():
            connection.putheader(name, value)
        data = body.encode() if isinstance(body, str) else body
        if data is not None:
            connection.putheader("Content-Length", str(len(data)))
        connection.endheaders(data)
        response = connection.getresponse()
        got = {}
        for name, value in response.getheaders():
            key = name.lower()
            got[key] = got[key] + "\n" + value if key in got else value
        return Reply(response.status, got, response.read())
    finally:
        connection.close()


def open_session(app):
    """Spends the app's one-time key; returns the session cookie's `name=value`."""
    reply = http_request(app.port, "GET", urllib.parse.urlsplit(app.url).path + "?" + urllib.parse.urlsplit(app.url).query)
    if reply.status != 303 or not reply.header("set-cookie"):
        raise AssertionError(f"the one-time key did not open a session: {reply.status} {reply.headers}")
    return reply.header("set-cookie").split(";", 1)[0]


class Console:
    """Plain HTTP to a server's console API (sync-server/console/API.md) as one user, the way its
    page calls it: the session cookie and `Me`'s CSRF token kept from `login`, and every request
    with the server's own Origin and the CSRF header unless a test leaves them out."""

    def __init__(self, server):
        self.server = server
        self.cookie = None  # `fc_console=TOKEN`
        self.me = None

    @property
    def origin(self):
        return self.server.url

    def login(self, user, password=None):
        """`POST /api/session`; keeps the cookie and `Me` on a 200. Returns the Reply."""
        reply = http_request(self.server.port, "POST", "/api/session",
                             headers={"Origin": self.origin, "Content-Type": "application/json"},
                             body=json.dumps({"user": user, "password": password or password_of(user)}))
        if reply.status == 200:
            self.cookie = reply.header("set-cookie").split(";", 1)[0]
            self.me = reply.json()
        return reply

    def call(self, method, target, body=None, *, csrf=None, origin=None, content_type=None, headers=None):
        """One request with this session: `body` (not bytes) is sent as JSON; `csrf` and `origin`
        default to the session's token and the server's origin (False: no such header)."""
        sent = {}
        if self.cookie:
            sent["Cookie"] = self.cookie
        if origin is not False:
            sent["Origin"] = origin or self.origin
        if csrf is not False and method not in ("GET", "HEAD"):
            token = csrf or (self.me or {}).get("csrf")
            if token:
                sent["X-Fieldcheck-CSRF"] = token
        if body is not None and not isinstance(body, bytes):
            body = json.dumps(body)
            content_type = content_type or "application/json"
        if content_type:
            sent["Content-Type"] = content_type
        sent.update(headers or {})
        return http_request(self.server.port, method, target, headers=sent, body=body)

    def get(self, target):
        return self.call("GET", target)

    def json(self, method, target, body=None, status=200):
        """`call`, asserting the answer's status; its JSON (None for an empty body)."""
        reply = self.call(method, target, body)
        if reply.status != status:
            raise AssertionError(f"{method} {target}: {reply.status} instead of {status}: {reply.body[:500]!r}")
        return reply.json() if reply.body else None


class PlainSite:
    """Pages served as they are (no CSP) on 127.0.0.1 and a port of their own: another origin of
    the same site, for what a page elsewhere could try. `pages`: {path: HTML text}."""

    def __init__(self, pages):
        import http.server
        encoded = {path: text.encode() for path, text in pages.items()}

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                body = encoded.get(self.path)
                self.send_response(200 if body else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body or b"")))
                self.end_headers()
                self.wfile.write(body or b"")

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def error_code(reply):
    """The console API's `error.code` of a failure's body (None when it has none)."""
    try:
        return reply.json()["error"]["code"]
    except (ValueError, KeyError, TypeError):
        return None


# ---------------------------------------------------------------------------------------------
# Chromium

class Browser:
    """Debian's Chromium, headless, driven by its own chromedriver (in a process group of its
    own), with every console message and every network event kept (`console`, `requests`)."""

    def __init__(self, name="browser"):
        self.profile = TempDir(prefix="fieldcheck-chromium-")
        port = free_port()
        self.driver_log = os.path.join(self.profile.path, "chromedriver.log")
        self.service = start([CHROMEDRIVER, f"--port={port}", f"--log-path={self.driver_log}"], own_group=True)
        deadline = time.monotonic() + DRIVER_START_TIMEOUT_S
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/status", timeout=2) as r:
                    if json.load(r)["value"]["ready"]:
                        break
            except (OSError, ValueError, KeyError):
                pass
            if time.monotonic() > deadline or self.service.poll() is not None:
                stop(self.service, signal.SIGKILL)
                raise AssertionError(f"chromedriver did not answer within {DRIVER_START_TIMEOUT_S} s")
            time.sleep(0.05)
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for argument in ("--headless=new", "--no-sandbox", "--window-size=1366,768", "--disable-dev-shm-usage",
                         "--no-first-run", "--no-default-browser-check", "--disable-background-networking",
                         "--disable-component-update", "--disable-sync", "--disable-extensions",
                         "--lang=vi", f"--user-data-dir={self.profile / 'profile'}"):
            options.add_argument(argument)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
        options.set_capability("pageLoadStrategy", "normal")
        try:
            self.driver = webdriver.Remote(command_executor=f"http://127.0.0.1:{port}", options=options)
        except WebDriverException:
            stop(self.service, signal.SIGKILL)
            raise
        # Files given to <input type=file> are read by the local chromedriver from their path.
        self.driver.file_detector = UselessFileDetector()
        self.driver.set_page_load_timeout(WAIT_S * 2)
        self.driver.set_script_timeout(WAIT_S * 2)
        self.name = name
        self.console = []    # every browser log entry: {level, source, message, timestamp}
        self.requests = []   # every URL the page requested (Network.requestWillBeSent)
        self.responses = []  # {url, status, method?} of every response (Network.responseReceived)
        self.events = []     # every performance log message, parsed
        self.allowed_errors = []  # regexes of console errors a test expects (a 422 it provoked)

    # -- logs

    def drain_logs(self):
        """Moves what the browser logged since the last call into `console`, `requests`, `responses`."""
        for entry in self.driver.get_log("browser"):
            self.console.append(entry)
        for entry in self.driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            self.events.append(message)
            method, params = message.get("method"), message.get("params", {})
            if method == "Network.requestWillBeSent":
                self.requests.append({"url": params["request"]["url"], "method": params["request"]["method"],
                                      "id": params.get("requestId"), "document": params.get("documentURL", "")})
            elif method == "Network.responseReceived":
                self.responses.append({"url": params["response"]["url"], "status": params["response"]["status"],
                                       "id": params.get("requestId")})

    def allow_error(self, pattern):
        """Declares a console error this test provokes on purpose (e.g. r"/answer .* 422")."""
        self.allowed_errors.append(re.compile(pattern))

    def console_errors(self):
        """Every console entry at SEVERE level not allowed by `allow_error`."""
        self.drain_logs()
        return [e for e in self.console if e["level"] == "SEVERE"
                and not any(p.search(e["message"]) for p in self.allowed_errors)]

    def foreign_requests(self, origin):
        """Every URL a page of `origin` requested outside it (data: and blob: URLs are the page's
        own). Chromium's own pages (its new tab page at start) are not the app's and not counted."""
        self.drain_logs()
        return sorted({r["url"] for r in self.requests
                       if r["document"].startswith(origin + "/")
                       and not (r["url"] == origin or r["url"].startswith(origin + "/")
                                or r["url"].startswith(("data:", "blob:")))})

    # -- the page

    def get(self, url):
        self.driver.get(url)

    def wait(self, condition, timeout=WAIT_S, message=""):
        """WebDriverWait for `condition(driver)` to be truthy; returns its value. An element
        redrawn under the condition (stale) counts as not yet."""
        return WebDriverWait(self.driver, timeout, poll_frequency=0.05,
                             ignored_exceptions=(StaleElementReferenceException,)).until(condition, message)

    def find(self, css):
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def find_all(self, css):
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def visible(self, css, timeout=WAIT_S):
        """Waits for the element `css` to be displayed; returns it."""
        def shown(driver):
            for element in driver.find_elements(By.CSS_SELECTOR, css):
                if element.is_displayed():
                    return element
            return False
        return self.wait(shown, timeout, f"no visible element {css}")

    def gone(self, css, timeout=WAIT_S):
        """Waits until no element `css` is displayed."""
        def hidden(driver):
            return all(not e.is_displayed() for e in driver.find_elements(By.CSS_SELECTOR, css))
        return self.wait(hidden, timeout, f"{css} is still displayed")

    def script(self, source, *args):
        return self.driver.execute_script(source, *args)

    def screenshot(self, name):
        """Saves the viewport as screenshots/NAME.png; returns the path."""
        path = os.path.join(screenshot_dir(), re.sub(r"[^A-Za-z0-9_.-]+", "-", name) + ".png")
        self.driver.save_screenshot(path)
        return path

    def cookies_header(self):
        """The page's cookies (HttpOnly ones too) as a Cookie header, for plain HTTP calls."""
        return "; ".join(f"{c['name']}={c['value']}" for c in self.driver.get_cookies())

    def api(self, app, method, path, body=None):
        """A call to the app's API with this browser's session, as its page would make it."""
        headers = {"Cookie": self.cookies_header(), "Origin": app.origin}
        if body is not None:
            headers["Content-Type"] = "application/json"
            body = json.dumps(body)
        return http_request(app.port, method, path, headers=headers, body=body)

    def allow_downloads(self, folder):
        """Saves what the page downloads into `folder` (Chromium headless asks nobody)."""
        self.cdp("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": folder,
                                                 "eventsEnabled": True})

    def downloaded(self, folder, suffix, timeout=WAIT_S):
        """Waits for a whole file ending in `suffix` in `folder` (Chromium's .crdownload gone);
        returns its path."""
        def done(_driver):
            names = os.listdir(folder)
            if any(n.endswith(".crdownload") for n in names):
                return False
            found = sorted(n for n in names if n.endswith(suffix))
            return os.path.join(folder, found[-1]) if found else False
        return self.wait(done, timeout, f"no {suffix} file was downloaded into {folder}")

    def cdp(self, command, params=None):
        """A Chrome DevTools Protocol command through chromedriver (goog/cdp/execute), which the
        Remote driver has no method for."""
        self.driver.command_executor._commands.setdefault(
            "executeCdpCommand", ("POST", "/session/$sessionId/goog/cdp/execute"))
        return self.driver.execute("executeCdpCommand", {"cmd": command, "params": params or {}})["value"]

    def close(self):
        try:
            self.drain_logs()
        except Exception:  # noqa: BLE001 - a dead browser still has to be killed
            pass
        quitter = threading.Thread(target=self._quit, daemon=True)
        quitter.start()
        quitter.join(STOP_TIMEOUT_S)
        stop(self.service, signal.SIGKILL)
        self.profile.close()

    def _quit(self):
        try:
            self.driver.quit()
        except Exception:  # noqa: BLE001 - the process group is killed next in any case
            pass


def data_url_bytes(data_url):
    """The bytes of a base64 `data:` URL."""
    return base64.b64decode(data_url.split(",", 1)[1])


def jpeg_size(data):
    """(width, height) from a JPEG's first start-of-frame marker; None when there is none."""
    i = 2
    while i + 9 < len(data):
        if data[i] != 0xFF:
            i += 1
            continue
        marker = data[i + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7 or marker == 0xFF:
            i += 1 if marker == 0xFF else 2
            continue
        length = int.from_bytes(data[i + 2:i + 4], "big")
        if marker in (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF):
            return int.from_bytes(data[i + 7:i + 9], "big"), int.from_bytes(data[i + 5:i + 7], "big")
        i += 2 + length
    return None


def sample_png(width, height, seed=1):
    """A whole PNG of `width`×`height` pixels of noise from `seed` (RGB, 8 bits): a photo any
    checker takes, different for each seed."""
    import struct
    import zlib

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
    x, rows = seed & 0xFFFFFFFF, bytearray()
    for _ in range(height):
        rows.append(0)
        for _ in range(width * 3):
            x = (x * 1103515245 + 12345) & 0xFFFFFFFF
            rows.append(x >> 24)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(bytes(rows))) + chunk(b"IEND", b""))


def png_size(data):
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    return None
