package io.fleetcontrol.agent.localapi;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.fleetcontrol.grpcedge.GrpcFailures;
import io.fleetcontrol.proto.agent.v1.EmployeeAnswer;
import io.fleetcontrol.proto.agent.v1.EmployeeCall;
import io.grpc.Status;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The employee's controls as a web page on 127.0.0.1 (what `fleet-agent page` opens): the same
 * {@link EmployeeCalls} as the employee socket, as protobuf JSON over {@code POST /api/call}.
 *
 * <p>Any local account can reach a loopback port, and any web site the employee visits can make
 * the browser send requests to it, so every route checks, before anything else: a {@code Host} of
 * 127.0.0.1 or localhost on this port (a rebound DNS name is refused). The API then asks for the
 * session in the {@code X-Fleet-Session} header, which only a one-time code from the employee socket
 * buys ({@link PageSignIn}; the code rides in the link's fragment and the page's script trades it at
 * {@code POST /api/signin}), the header {@code X-Fleet-Page: 1} and {@code Content-Type:
 * application/json}, none of which a cross-site form can send. Every answer forbids caching,
 * framing and any script but the page's own.
 */
public final class EmployeePage implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(EmployeePage.class);

  /**
   * The session travels in a header the page's script sets from its sessionStorage, not in a
   * cookie: browsers send a 127.0.0.1 cookie to every port of 127.0.0.1, including one another
   * account listens on, while sessionStorage belongs to this origin (port included) alone.
   */
  static final String SESSION_HEADER = "X-Fleet-Session";
  static final String PAGE_HEADER = "X-Fleet-Page";
  static final int MAX_CALL_BYTES = 64 * 1024;
  private static final int MAX_DRAINED_BYTES = 1024 * 1024;
  /** A call may wait for the controller a few seconds; a few threads keep the page answering meanwhile. */
  private static final int THREADS = 4;

  private static final String SECURITY_POLICY =
      "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
  private static final String SIGN_IN_AGAIN = "Run `fleet-agent page` in a terminal for a new sign-in link.";

  /** The page's files, from resources/employee-page; the JSON API serves the rest. */
  private static final Map<String, StaticFile> FILES = Map.of(
      "/", StaticFile.load("index.html", "text/html; charset=utf-8"),
      "/page.js", StaticFile.load("page.js", "text/javascript; charset=utf-8"),
      "/page.css", StaticFile.load("page.css", "text/css; charset=utf-8"));

  private static final JsonFormat.Printer JSON =
      JsonFormat.printer().includingDefaultValueFields().omittingInsignificantWhitespace();

  private final HttpServer server;
  private final ExecutorService threads;
  private final EmployeeCalls calls;
  private final PageSignIn signIn;
  private final List<String> acceptedHosts;

  private EmployeePage(HttpServer server, ExecutorService threads, EmployeeCalls calls, PageSignIn signIn) {
    this.server = server;
    this.threads = threads;
    this.calls = calls;
    this.signIn = signIn;
    int port = server.getAddress().getPort();
    this.acceptedHosts = List.of("127.0.0.1:" + port, "localhost:" + port);
  }

  /**
   * Serves the page on 127.0.0.1:{@code port} (0: any free port) and lets {@code signIn} hand out
   * links to it.
   */
  public static EmployeePage start(EmployeeCalls calls, PageSignIn signIn, int port) throws IOException {
    // The JDK server waits for a request forever by default: four idle connections from any local
    // account would hold every thread. These bound it (seconds; read once, by the first server).
    System.setProperty("sun.net.httpserver.maxReqTime", System.getProperty("sun.net.httpserver.maxReqTime", "10"));
    System.setProperty("sun.net.httpserver.maxRspTime", System.getProperty("sun.net.httpserver.maxRspTime", "30"));
    HttpServer server = HttpServer.create(new InetSocketAddress(ipv4Loopback(), port), 0);
    AtomicInteger count = new AtomicInteger();
    ExecutorService threads = Executors.newFixedThreadPool(THREADS, task -> {
      Thread thread = new Thread(task, "employee-page-" + count.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    });
    EmployeePage page = new EmployeePage(server, threads, calls, signIn);
    server.createContext("/", page::handle);
    server.setExecutor(threads);
    server.start();
    signIn.served(page.address().getPort());
    return page;
  }

  /** 127.0.0.1 itself, not "localhost", which may name ::1 or, on a tampered hosts file, anything. */
  private static InetAddress ipv4Loopback() {
    try {
      return InetAddress.getByAddress(new byte[] {127, 0, 0, 1});
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }

  public InetSocketAddress address() {
    return server.getAddress();
  }

  private void handle(HttpExchange exchange) {
    try {
      route(exchange);
    } catch (IOException e) {
      // The browser went away; nothing to answer.
    } catch (RuntimeException e) {
      log.warn("Employee page: {} {} failed", exchange.getRequestMethod(), exchange.getRequestURI().getPath(), e);
      try {
        sendAnswer(exchange, 500, EmployeeCalls.refusal(Status.Code.INTERNAL, "the agent could not answer; its log says why"));
      } catch (IOException | RuntimeException ignored) {
        // Headers already sent, or the browser went away.
      }
    } finally {
      exchange.close();
    }
  }

  private void route(HttpExchange exchange) throws IOException {
    String path = exchange.getRequestURI().getPath();
    boolean api = path.equals("/api/call");
    String host = exchange.getRequestHeaders().getFirst("Host");
    if (host == null || !acceptedHosts.contains(host.toLowerCase(Locale.ROOT))) {
      String why = "the page answers at " + acceptedHosts.get(0) + " only, not at " + host;
      if (api) {
        sendRefusal(exchange, 403, Status.Code.PERMISSION_DENIED, why);
      } else {
        sendText(exchange, 403, why + ".");
      }
      return;
    }
    if (api) {
      if (requireMethod(exchange, "POST")) {
        answerCall(exchange);
      }
    } else if (path.equals("/api/signin")) {
      if (requireMethod(exchange, "POST")) {
        signIn(exchange);
      }
    } else if (FILES.containsKey(path)) {
      if (requireMethod(exchange, "GET")) {
        serveFile(exchange, path);
      }
    } else {
      sendText(exchange, 404, "No such page here.");
    }
  }

  private static boolean requireMethod(HttpExchange exchange, String method) throws IOException {
    if (exchange.getRequestMethod().equals(method)) {
      return true;
    }
    exchange.getResponseHeaders().set("Allow", method);
    sendText(exchange, 405, exchange.getRequestMethod() + " is not answered here; " + method + " is.");
    return false;
  }

  /**
   * Trades a one-time code (the link's fragment, which the browser never sends anywhere; the page's
   * script posts it here) for a session the script keeps in sessionStorage.
   */
  private void signIn(HttpExchange exchange) throws IOException {
    if (!fromThePage(exchange)) {
      return;
    }
    byte[] body = readBody(exchange);
    String code = body == null ? "" : new String(body, StandardCharsets.UTF_8).strip();
    Optional<String> session = signIn.signIn(code);
    if (session.isEmpty()) {
      sendRefusal(exchange, 403, Status.Code.PERMISSION_DENIED, "this sign-in link is wrong, used already or "
          + "expired (a link works once, for two minutes). " + SIGN_IN_AGAIN);
      return;
    }
    send(exchange, 200, "text/plain; charset=utf-8", session.get().getBytes(StandardCharsets.UTF_8));
  }

  private void serveFile(HttpExchange exchange, String path) throws IOException {
    // The files hold no data: the page asks for it with its session.
    StaticFile file = FILES.get(path);
    send(exchange, 200, file.contentType(), file.bytes());
  }

  /** The two headers only the page's own script sends (a cross-site form or link sends neither). */
  private static boolean fromThePage(HttpExchange exchange) throws IOException {
    Headers request = exchange.getRequestHeaders();
    if (!"1".equals(request.getFirst(PAGE_HEADER))) {
      sendRefusal(exchange, 403, Status.Code.PERMISSION_DENIED,
          "the header " + PAGE_HEADER + ": 1 is missing: calls come from the employee page only");
      return false;
    }
    if (!isJson(request.getFirst("Content-Type"))) {
      sendRefusal(exchange, 403, Status.Code.PERMISSION_DENIED,
          "Content-Type must be application/json, not " + request.getFirst("Content-Type"));
      return false;
    }
    return true;
  }

  private void answerCall(HttpExchange exchange) throws IOException {
    if (!signIn.isSession(exchange.getRequestHeaders().getFirst(SESSION_HEADER))) {
      sendRefusal(exchange, 401, Status.Code.PERMISSION_DENIED,
          "not signed in (no valid " + SESSION_HEADER + " header): " + SIGN_IN_AGAIN);
      return;
    }
    if (!fromThePage(exchange)) {
      return;
    }
    byte[] body = readBody(exchange);
    if (body == null) {
      sendRefusal(exchange, 413, Status.Code.RESOURCE_EXHAUSTED, "call: larger than " + MAX_CALL_BYTES + " bytes");
      return;
    }
    EmployeeCall.Builder call = EmployeeCall.newBuilder();
    try {
      JsonFormat.parser().merge(new String(body, StandardCharsets.UTF_8), call);
    } catch (InvalidProtocolBufferException | RuntimeException e) {
      // The JSON parser throws unchecked exceptions for some malformed input, too.
      sendRefusal(exchange, 400, Status.Code.INVALID_ARGUMENT, "call: not an EmployeeCall in JSON (" + e.getMessage() + ")");
      return;
    }
    if (call.getCallCase() == EmployeeCall.CallCase.OPEN_PAGE) {
      // A session must not mint the codes that buy sessions: links come from the employee socket only.
      sendRefusal(exchange, 403, Status.Code.PERMISSION_DENIED,
          "open_page is answered on the employee socket only (fleet-agent page)");
      return;
    }
    EmployeeAnswer answer = calls.answer(call.build());
    sendAnswer(exchange, answer.hasError()
        ? GrpcFailures.httpStatus(Status.Code.valueOf(answer.getError().getCode())) : 200, answer);
  }

  /**
   * The body, or null when it is larger than a call may be. What is left of a body up to
   * {@link #MAX_DRAINED_BYTES} is read and dropped, so the sender gets its 413 rather than a
   * connection reset on unread bytes; a body declared larger than that is not read at all.
   */
  private static byte[] readBody(HttpExchange exchange) throws IOException {
    if (declaredLargerThan(exchange.getRequestHeaders().getFirst("Content-Length"), MAX_DRAINED_BYTES)) {
      return null;
    }
    try (InputStream in = exchange.getRequestBody()) {
      byte[] body = in.readNBytes(MAX_CALL_BYTES + 1);
      if (body.length <= MAX_CALL_BYTES) {
        return body;
      }
      in.readNBytes(MAX_DRAINED_BYTES);
      return null;
    }
  }

  private static boolean declaredLargerThan(String contentLength, long limit) {
    try {
      return contentLength != null && Long.parseLong(contentLength.strip()) > limit;
    } catch (NumberFormatException e) {
      return false; // Read it, up to the limit.
    }
  }

  private static boolean isJson(String contentType) {
    return contentType != null
        && contentType.split(";", 2)[0].strip().toLowerCase(Locale.ROOT).equals("application/json");
  }

  private static void sendRefusal(HttpExchange exchange, int httpStatus, Status.Code code, String message)
      throws IOException {
    sendAnswer(exchange, httpStatus, EmployeeCalls.refusal(code, message));
  }

  private static void sendAnswer(HttpExchange exchange, int httpStatus, EmployeeAnswer answer) throws IOException {
    send(exchange, httpStatus, "application/json; charset=utf-8", JSON.print(answer).getBytes(StandardCharsets.UTF_8));
  }

  private static void sendText(HttpExchange exchange, int httpStatus, String text) throws IOException {
    send(exchange, httpStatus, "text/plain; charset=utf-8", (text + "\n").getBytes(StandardCharsets.UTF_8));
  }

  private static void send(HttpExchange exchange, int httpStatus, String contentType, byte[] body) throws IOException {
    Headers headers = exchange.getResponseHeaders();
    if (contentType != null) {
      headers.set("Content-Type", contentType);
    }
    headers.set("Cache-Control", "no-store");
    headers.set("Content-Security-Policy", SECURITY_POLICY);
    headers.set("X-Content-Type-Options", "nosniff");
    headers.set("X-Frame-Options", "DENY");
    headers.set("Referrer-Policy", "no-referrer");
    exchange.sendResponseHeaders(httpStatus, body.length == 0 ? -1 : body.length);
    if (body.length > 0) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
  }

  /** Stops answering: links already handed out stop working, sessions end with the agent. */
  @Override
  public void close() {
    signIn.notServed();
    server.stop(0);
    threads.shutdownNow();
  }

  private record StaticFile(byte[] bytes, String contentType) {
    static StaticFile load(String name, String contentType) {
      try (InputStream in = EmployeePage.class.getResourceAsStream("/employee-page/" + name)) {
        if (in == null) {
          throw new IllegalStateException("employee-page/" + name + " is missing from the agent's jar");
        }
        return new StaticFile(in.readAllBytes(), contentType);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
