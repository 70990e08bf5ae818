package io.fleetcontrol.agent.localapi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.util.JsonFormat;
import io.fleetcontrol.agent.FakeController;
import io.fleetcontrol.agent.LiveLocalAgent;
import io.fleetcontrol.agent.cli.AgentMain;
import io.fleetcontrol.policy.CaptureState;
import io.fleetcontrol.proto.agent.v1.EmployeeAnswer;
import io.fleetcontrol.proto.agent.v1.EmployeeCall;
import io.fleetcontrol.proto.agent.v1.OpenPageRequest;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The employee page on a live agent: a link from the employee socket signs in once, and a call
 * through the page changes the agent only with the session header, the page's header, JSON and this
 * page's own Host. "Nothing changes" is checked on the agent itself: no pause is started.
 */
class EmployeePageTest {

  private static final ActorTestKit testKit = ActorTestKit.create(FakeController.TEST_CONFIG);
  private static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private static final String START_PAUSE = "{\"startPause\":{\"duration\":\"300s\"}}";

  @TempDir static Path stateDir;

  private static LiveLocalAgent live;
  private static Path pageStateDir;
  private static EmployeeSocket socket;
  private static EmployeePage page;

  @BeforeAll
  static void startPage() throws Exception {
    live = LiveLocalAgent.start(testKit, "laptop-page", stateDir);
    PageSignIn signIn = new PageSignIn(Clock.systemUTC());
    EmployeeApi api = new EmployeeApi(live.agent(), signIn);
    // Apart from the live agent's own socket (no page), where `fleet-agent page --state-dir` finds it.
    pageStateDir = Files.createDirectories(stateDir.resolve("with-page"));
    socket = EmployeeSocket.start(api, pageStateDir.resolve("employee.sock"), System.getProperty("user.name"),
        4 * 1024 * 1024);
    page = EmployeePage.start(new EmployeeCalls(api), signIn, 0);
  }

  @AfterAll
  static void stopAll() throws Exception {
    page.close();
    socket.close();
    live.close();
    testKit.shutdownTestKit();
  }

  @AfterEach
  void noPauseLeftBehind() throws Exception {
    if (live.agent().activePause().isPresent()) {
      try (EmployeeClient employee = EmployeeClient.connect(socket.path())) {
        employee.endPause();
      }
    }
  }

  /** What a test gets a signed-in page with: a link from open_page on the employee socket. */
  static String signInLink(Path employeeSocket) throws EmployeeClient.Refused {
    try (EmployeeClient employee = EmployeeClient.connect(employeeSocket)) {
      return employee.openPage().getUrl();
    }
  }

  /** A fresh link's code, traded as the page's script trades it: the session's "X-Fleet-Session" header. */
  private static String signedInSession() throws Exception {
    HttpResponse<String> signedIn = signIn(codeOf(signInLink(socket.path())));
    assertEquals(200, signedIn.statusCode(), signedIn.body());
    return signedIn.body();
  }

  private static String codeOf(String link) {
    return link.substring(link.indexOf("#code=") + "#code=".length());
  }

  private static HttpResponse<String> signIn(String code) throws Exception {
    return send("/api/signin", code, Map.of("X-Fleet-Page", "1", "Content-Type", "application/json"));
  }

  @Test
  void aLinkFromTheEmployeeSocketSignsInOnce() throws Exception {
    String link = signInLink(socket.path());
    assertTrue(link.matches("http://127\\.0\\.0\\.1:" + port() + "/#code=[A-Za-z0-9_-]{43}"),
        "the code rides in the fragment, which the browser sends nowhere: " + link);

    HttpResponse<String> first = signIn(codeOf(link));
    assertEquals(200, first.statusCode(), first.body());
    assertTrue(first.body().matches("[A-Za-z0-9_-]{43}"), first.body());
    assertTrue(first.headers().firstValue("Set-Cookie").isEmpty(), "no cookie: one would reach every port of 127.0.0.1");

    assertRefused(signIn(codeOf(link)), 403, "PERMISSION_DENIED", "used already");
    assertRefused(signIn("made-up"), 403, "PERMISSION_DENIED", "fleet-agent page");
    HttpResponse<String> formPost = send("/api/signin", codeOf(signInLink(socket.path())),
        Map.of("Content-Type", "application/x-www-form-urlencoded"));
    assertRefused(formPost, 403, "PERMISSION_DENIED", "X-Fleet-Page");

    HttpResponse<String> home = get(url("/"), Map.of());
    assertEquals(200, home.statusCode(), "the page itself holds no data");
    assertTrue(home.body().contains("id=\"capture-state\""), home.body());
    assertEquals(Optional.of("no-store"), home.headers().firstValue("Cache-Control"));
    assertTrue(home.headers().firstValue("Content-Security-Policy").orElseThrow().startsWith("default-src 'self'"));
    assertEquals(200, get(url("/page.js"), Map.of()).statusCode(), "the script is no secret");
  }

  @Test
  void aSessionCannotMintSignInLinks() throws Exception {
    HttpResponse<String> mint = post("{\"openPage\":{}}", signedInHeaders());
    assertRefused(mint, 403, "PERMISSION_DENIED", "employee socket only");
  }

  @Test
  void withoutTheSessionACallIsRefusedAndNothingChanges() throws Exception {
    HttpResponse<String> refused = post(START_PAUSE, Map.of("X-Fleet-Page", "1", "Content-Type", "application/json"));
    assertRefused(refused, 401, "PERMISSION_DENIED", "not signed in");
    HttpResponse<String> madeUp = post(START_PAUSE,
        Map.of("X-Fleet-Session", "made-up", "X-Fleet-Page", "1", "Content-Type", "application/json"));
    assertRefused(madeUp, 401, "PERMISSION_DENIED", "not signed in");
    assertTrue(live.agent().activePause().isEmpty(), "no pause was started");
  }

  @Test
  void aFormPostWithoutThePageHeaderIsRefusedAndNothingChanges() throws Exception {
    String session = signedInSession();
    HttpResponse<String> form = post("startPause=300s",
        Map.of("X-Fleet-Session", session, "Content-Type", "application/x-www-form-urlencoded"));
    assertRefused(form, 403, "PERMISSION_DENIED", "X-Fleet-Page");
    HttpResponse<String> plainText = post(START_PAUSE,
        Map.of("X-Fleet-Session", session, "X-Fleet-Page", "1", "Content-Type", "text/plain"));
    assertRefused(plainText, 403, "PERMISSION_DENIED", "Content-Type must be application/json");
    assertTrue(live.agent().activePause().isEmpty(), "no pause was started");
  }

  @Test
  void anotherHostNameIsRefusedAsDnsRebinding() throws Exception {
    String session = signedInSession();
    String answer = rawPost("rebound.example.com:" + port(), session, START_PAUSE);
    assertTrue(answer.startsWith("HTTP/1.1 403"), answer);
    assertTrue(answer.contains("\"code\":\"PERMISSION_DENIED\""), answer);
    assertTrue(live.agent().activePause().isEmpty(), "no pause was started");
    assertTrue(rawPost("localhost:" + port(), session, "{\"getStatus\":{}}").startsWith("HTTP/1.1 200"),
        "localhost on this port is this page");
  }

  @Test
  void getStatusAnswersJson() throws Exception {
    HttpResponse<String> answered = post("{\"getStatus\":{}}", signedInHeaders());
    assertEquals(200, answered.statusCode(), answered.body());
    assertTrue(answered.headers().firstValue("Content-Type").orElseThrow().startsWith("application/json"));
    EmployeeAnswer answer = parse(answered.body());
    assertEquals("laptop-page", answer.getGetStatus().getDeviceId());
    assertTrue(answered.body().contains("\"captureState\":\"CAPTURE_STATE_"), answered.body());
  }

  @Test
  void aPauseThroughThePagePausesTheGate() throws Exception {
    assertEquals(CaptureState.ACTIVE, live.agent().gate().captureState().state());
    HttpResponse<String> paused = post(START_PAUSE, signedInHeaders());
    assertEquals(200, paused.statusCode(), paused.body());
    assertTrue(parse(paused.body()).getStartPause().hasPause(), paused.body());
    assertTrue(live.agent().activePause().isPresent());
    assertEquals(CaptureState.PAUSED, live.agent().gate().captureState().state());

    HttpResponse<String> tooLong = post("{\"startPause\":{\"duration\":\"32400s\"}}", signedInHeaders());
    assertRefused(tooLong, 400, "INVALID_ARGUMENT", "at most 30 minutes");
  }

  @Test
  void aBodyThatIsNotAnEmployeeCallIsInvalid() throws Exception {
    Map<String, String> headers = signedInHeaders();
    assertRefused(post("{not json", headers), 400, "INVALID_ARGUMENT", "not an EmployeeCall");
    assertRefused(post("{\"formatDisk\":{}}", headers), 400, "INVALID_ARGUMENT", "not an EmployeeCall");
    assertRefused(post("{}", headers), 400, "INVALID_ARGUMENT", "call: set one of");
    assertRefused(post("{\"getStatus\":{}, \"pad\":\"" + "x".repeat(70 * 1024) + "\"}", headers),
        413, "RESOURCE_EXHAUSTED", "larger than 65536 bytes");
    HttpResponse<String> wrongMethod = get(url("/api/call"), headers);
    assertEquals(405, wrongMethod.statusCode());
    assertEquals(404, get(url("/etc/passwd"), headers).statusCode());
    assertTrue(live.agent().activePause().isEmpty());
  }

  @Test
  void thePageListensOn127001Only() throws Exception {
    assertEquals(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}), page.address().getAddress());
    List<InetAddress> elsewhere = NetworkInterface.networkInterfaces()
        .flatMap(NetworkInterface::inetAddresses)
        .filter(a -> !a.isLoopbackAddress() && a instanceof Inet4Address)
        .toList();
    for (InetAddress address : elsewhere) {
      try (Socket probe = new Socket()) {
        assertThrows(ConnectException.class, () -> probe.connect(new InetSocketAddress(address, port()), 2000),
            "reachable at " + address);
      }
    }
  }

  @Test
  void fleetAgentPagePrintsALinkThatSignsIn() throws Exception {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = AgentMain.run(new String[] {"page", "--no-open", "--state-dir", pageStateDir.toString()},
        new PrintWriter(out), new PrintWriter(err));
    assertEquals(0, code, err.toString());
    Matcher link = Pattern.compile("http://127\\.0\\.0\\.1:" + port() + "/#code=[A-Za-z0-9_-]{43}")
        .matcher(out.toString());
    assertTrue(link.find(), out.toString());
    assertFalse(out.toString().contains("Opening"), "--no-open: " + out);
    assertEquals(200, signIn(codeOf(link.group())).statusCode());
  }

  @Test
  void withoutAPageOpenPageSaysItIsTurnedOff() throws Exception {
    try (EmployeeClient employee = EmployeeClient.connect(live.employee.path())) {
      EmployeeAnswer answer = employee.call(EmployeeCall.newBuilder()
          .setOpenPage(OpenPageRequest.getDefaultInstance()).build());
      assertEquals("FAILED_PRECONDITION", answer.getError().getCode());
      assertEquals("the employee page is turned off (fleet.agent.page.enabled)", answer.getError().getMessage());
    }
  }

  private static Map<String, String> signedInHeaders() throws Exception {
    return Map.of("X-Fleet-Session", signedInSession(), "X-Fleet-Page", "1", "Content-Type", "application/json");
  }

  private static void assertRefused(HttpResponse<String> response, int httpStatus, String code, String says)
      throws IOException {
    assertEquals(httpStatus, response.statusCode(), response.body());
    EmployeeAnswer answer = parse(response.body());
    assertEquals(code, answer.getError().getCode(), response.body());
    assertTrue(answer.getError().getMessage().contains(says), answer.getError().getMessage());
  }

  private static EmployeeAnswer parse(String json) throws IOException {
    EmployeeAnswer.Builder answer = EmployeeAnswer.newBuilder();
    JsonFormat.parser().merge(json, answer);
    return answer.build();
  }

  private static int port() {
    return page.address().getPort();
  }

  private static String url(String path) {
    return "http://127.0.0.1:" + port() + path;
  }

  private static HttpResponse<String> get(String url, Map<String, String> headers) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20)).GET();
    headers.forEach(request::header);
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> post(String body, Map<String, String> headers) throws Exception {
    return send("/api/call", body, headers);
  }

  private static HttpResponse<String> send(String path, String body, Map<String, String> headers) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url(path)))
        .timeout(Duration.ofSeconds(20))
        .POST(HttpRequest.BodyPublishers.ofString(body));
    headers.forEach(request::header);
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** By hand: java.net.http sets Host itself, as a browser does, and a rebound name is what it would send. */
  private static String rawPost(String host, String session, String json) throws IOException {
    try (Socket connection = new Socket(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}), port())) {
      connection.setSoTimeout(20_000);
      byte[] body = json.getBytes(StandardCharsets.UTF_8);
      OutputStream out = connection.getOutputStream();
      out.write(("POST /api/call HTTP/1.1\r\nHost: " + host + "\r\nX-Fleet-Session: " + session
          + "\r\nX-Fleet-Page: 1\r\nContent-Type: application/json\r\nContent-Length: " + body.length
          + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.write(body);
      out.flush();
      InputStream in = connection.getInputStream();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
