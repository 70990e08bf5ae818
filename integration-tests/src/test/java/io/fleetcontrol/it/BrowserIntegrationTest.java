package io.fleetcontrol.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fleetcontrol.agent.DeviceAgent;
import io.fleetcontrol.agent.localapi.EmployeeApi;
import io.fleetcontrol.agent.localapi.EmployeeCalls;
import io.fleetcontrol.agent.localapi.EmployeeClient;
import io.fleetcontrol.agent.localapi.EmployeePage;
import io.fleetcontrol.agent.localapi.EmployeeSocket;
import io.fleetcontrol.agent.localapi.PageSignIn;
import io.fleetcontrol.policy.CaptureState;
import io.fleetcontrol.agent.simulator.FaultSwitches;
import io.fleetcontrol.agent.simulator.FleetSimulator;
import io.fleetcontrol.policy.ExemptionReason;
import io.fleetcontrol.policy.ExemptionScope;
import io.fleetcontrol.proto.v1.AssignPolicyRequest;
import io.fleetcontrol.proto.v1.CreatePolicyRequest;
import io.fleetcontrol.proto.v1.DeviceSelector;
import io.fleetcontrol.proto.v1.GetPolicyRequest;
import io.fleetcontrol.proto.v1.Exemption;
import io.fleetcontrol.proto.v1.ExemptionStatus;
import io.fleetcontrol.proto.v1.GetFleetSummaryRequest;
import io.fleetcontrol.proto.v1.GetFleetSummaryResponse;
import io.fleetcontrol.proto.v1.ListDevicesRequest;
import io.fleetcontrol.proto.v1.ListExemptionsRequest;
import io.fleetcontrol.proto.v1.PauseRolloutRequest;
import io.fleetcontrol.proto.v1.Rollout;
import io.fleetcontrol.proto.v1.RolloutGates;
import io.fleetcontrol.proto.v1.StartRolloutRequest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard in a real browser (Debian's chromium, headless, through chromedriver) against a real
 * controller on the real Cassandra, with simulated agents and one in-process laptop. Screenshots of
 * each page land in integration-tests/target/screenshots.
 *
 * <p>Chromium is told to accept the test CA's certificate (acceptInsecureCerts): the test CA is not
 * in its trust store, and adding it needs NSS tools; {@link #dashboardServesTlsWithTheControllerCertificate}
 * checks the certificate itself with the CA.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BrowserIntegrationTest {

  private static final int AGENTS = 12;
  private static final String LAPTOP = "browser-laptop";
  private static final Path SCREENSHOTS = LocalCassandra.findRepoRoot().resolve("integration-tests/target/screenshots");

  private static FleetHarness harness;
  private static FleetSimulator fleet;
  private static DeviceAgent laptop;
  private static EmployeeSocket employeeSocket;
  private static EmployeePage employeePage;
  private static WebDriver browser;
  private static String base;

  @BeforeAll
  static void start() throws Exception {
    harness = new FleetHarness(Map.of("fleet.dashboard.history-sample-interval", "1s",
        "fleet.metrics.refresh-interval", "1s"));
    fleet = harness.simulate(AGENTS, new FaultSwitches());
    harness.awaitFleetReady(fleet, AGENTS);
    laptop = harness.startAgent(LAPTOP);
    // The laptop's employee controls as `fleet-agent run` serves them: the socket, and the page whose
    // sign-in link only that socket hands out.
    Path laptopDir = Files.createTempDirectory("browser-laptop");
    PageSignIn signIn = new PageSignIn(Clock.systemUTC());
    EmployeeApi employeeApi = new EmployeeApi(laptop, signIn);
    employeeSocket = EmployeeSocket.start(employeeApi, laptopDir.resolve("employee.sock"),
        System.getProperty("user.name"), 4 << 20);
    employeePage = EmployeePage.start(new EmployeeCalls(employeeApi), signIn, 0);
    base = "https://127.0.0.1:" + harness.dashboardAddress().getPort();
    Files.createDirectories(SCREENSHOTS);
    browser = chromium();
  }

  @AfterAll
  static void stop() throws Exception {
    if (browser != null) {
      browser.quit();
    }
    if (employeePage != null) {
      employeePage.close();
    }
    if (employeeSocket != null) {
      employeeSocket.close();
    }
    if (harness != null) {
      harness.close();
    }
  }

  /** Debian's chromium and its chromedriver, so Selenium Manager never tries to download either. */
  static WebDriver chromium() {
    ChromeOptions options = new ChromeOptions();
    options.setBinary(firstExisting("/usr/bin/chromium", "/usr/bin/chromium-browser"));
    options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1600",
        "--disable-gpu");
    options.setAcceptInsecureCerts(true);
    // The page's console (script errors, refused requests) goes into a failure's message.
    options.setCapability("goog:loggingPrefs", Map.of("browser", "ALL"));
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(Path.of(firstExisting("/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver")).toFile())
        .build();
    return new ChromeDriver(service, options);
  }

  private static String firstExisting(String... paths) {
    for (String path : paths) {
      if (Files.isExecutable(Path.of(path))) {
        return path;
      }
    }
    throw new IllegalStateException("none of " + List.of(paths) + " is installed: apt-get install chromium chromium-driver");
  }

  @Test
  @Order(1)
  void dashboardServesTlsWithTheControllerCertificate() throws Exception {
    HttpClient client = HttpClient.newBuilder().sslContext(TestTls.clientSslContext()).build();
    HttpResponse<String> signin = client.send(HttpRequest.newBuilder(URI.create(base + "/signin")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, signin.statusCode());
    assertTrue(signin.body().contains("Admin token"), signin.body());
    assertTrue(signin.headers().firstValue("content-security-policy").orElse("").contains("default-src 'self'"));
    HttpResponse<String> api = client.send(HttpRequest.newBuilder(URI.create(base + "/api/GetFleetSummary"))
        .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(401, api.statusCode(), "no session, no data: " + api.body());
  }

  @Test
  @Order(2)
  void signInAndTheFleetPageCountsEqualTheSummary() throws Exception {
    signIn("dev-admin-token");
    waitFor(By.id("fleet-total"));
    // The fleet is steady (every agent applied v1); the page refreshes every 5 s.
    Eventually.within(Duration.ofSeconds(30), () -> {
      GetFleetSummaryResponse summary = harness.admin.getFleetSummary().addHeader("authorization", bearer())
          .invoke(GetFleetSummaryRequest.getDefaultInstance()).toCompletableFuture().get(10, TimeUnit.SECONDS);
      assertEquals(String.valueOf(summary.getTotal()), text("fleet-total"));
      assertEquals(String.valueOf(summary.getOnline()), text("fleet-online"));
      assertEquals(String.valueOf(summary.getOffline()), text("fleet-offline"));
      assertEquals(AGENTS + 1, summary.getTotal());
    });
    assertTrue(browser.findElement(By.id("who")).getText().contains("dev-admin"));
    String points = browser.findElement(By.cssSelector("#online-chart polyline")).getAttribute("points");
    assertFalse(points == null || points.isBlank(), "the chart has the node's samples: " + points);
    screenshot("fleet");
  }

  @Test
  @Order(3)
  void devicesFilterAsTheApiDoesAndADevicePageShowsItsState() throws Exception {
    browser.get(base + "/#/devices");
    waitFor(By.id("devices-table"));
    browser.findElement(By.id("filter-label")).sendKeys("team=it");
    new Select(browser.findElement(By.id("filter-connection"))).selectByValue("CONNECTION_STATE_ONLINE");
    browser.findElement(By.id("apply-filters")).click();
    Set<String> expected = harness.admin.listDevices().addHeader("authorization", bearer())
        .invoke(ListDevicesRequest.newBuilder().addLabels("team=it")
            .setConnectionState(io.fleetcontrol.proto.v1.ConnectionState.CONNECTION_STATE_ONLINE).build())
        .toCompletableFuture().get(10, TimeUnit.SECONDS)
        .getDevicesList().stream().map(io.fleetcontrol.proto.v1.Device::getDeviceId).collect(Collectors.toSet());
    assertEquals(Set.of(LAPTOP), expected, "only the laptop has the label team=it");
    Eventually.within(Duration.ofSeconds(10), () -> assertEquals(expected, listedDevices()));
    screenshot("devices");

    browser.findElement(By.linkText(LAPTOP)).click();
    Eventually.within(Duration.ofSeconds(10), () -> assertEquals(LAPTOP, text("device-id")));
    assertEquals("online", text("device-connection"));
    assertTrue(browser.findElements(By.cssSelector("#device-history tbody tr")).size() > 0, "its history is listed");
    screenshot("device");
  }

  @Test
  @Order(4)
  void anExemptionApprovedInTheBrowserReachesTheLaptop() throws Exception {
    String exemptionId = requestExemption(ExemptionScope.NO_SCREENSHOTS, "browser test: approve me");
    browser.get(base + "/#/exemptions");
    WebElement approve = waitFor(By.id("approve-" + exemptionId));
    new Select(browser.findElement(By.id("expiry-" + exemptionId))).selectByValue("24");
    screenshot("exemptions");
    approve.click();
    Eventually.within(Duration.ofSeconds(30), () -> assertTrue(laptop.state().controls().exemptions().stream()
        .anyMatch(e -> e.exemptionId().equals(exemptionId)
            && e.status() == io.fleetcontrol.policy.ExemptionStatus.APPROVED),
        "the laptop holds the approved exemption: " + laptop.state().controls().exemptions()));
    // The read side trails the journal.
    Eventually.within(Duration.ofSeconds(30), () -> {
      Exemption decided = exemption(exemptionId);
      assertEquals(ExemptionStatus.EXEMPTION_STATUS_APPROVED, decided.getStatus());
      assertEquals("dev-admin", decided.getDecidedBy());
    });
  }

  @Test
  @Order(5)
  void aRolloutPageMovesWithoutReloadingAndItsResumeButtonWorks() throws Exception {
    long version = harness.newVersionOfDefault("browser.example.com");
    Rollout rollout = harness.admin.startRollout().addHeader("authorization", bearer())
        .invoke(StartRolloutRequest.newBuilder().setPolicyName("default").setPolicyVersion(version)
            .setSelector(DeviceSelector.newBuilder().setAll(true))
            .setGates(RolloutGates.newBuilder().setMinAckFraction(1.0).setAckDeadlineSeconds(120)).build())
        .toCompletableFuture().get(10, TimeUnit.SECONDS).getRollout();
    harness.admin.pauseRollout().addHeader("authorization", bearer())
        .invoke(PauseRolloutRequest.newBuilder().setRolloutId(rollout.getRolloutId()).build())
        .toCompletableFuture().get(10, TimeUnit.SECONDS);

    browser.get(base + "/#/rollouts");
    waitFor(By.linkText(rollout.getRolloutId())).click();
    Eventually.within(Duration.ofSeconds(10), () -> assertEquals("paused", text("rollout-status")));
    long ackedWhilePaused = ackedOnPage();
    screenshot("rollout-paused");
    // A mark in this page's memory: a reload would lose it.
    js().executeScript("window.fleetTestMark = 'same page';");

    browser.findElement(By.id("rollout-resume")).click();
    Eventually.within(Duration.ofMinutes(3), () -> assertEquals("succeeded", text("rollout-status")));
    assertTrue(ackedOnPage() > ackedWhilePaused, "the waves' acknowledgements rose on the page: " + ackedWhilePaused
        + " -> " + ackedOnPage());
    assertEquals("same page", js().executeScript("return window.fleetTestMark;"), "the page was not reloaded");
    screenshot("rollout");
  }

  @Test
  @Order(6)
  void aViewerSeesNoDecisionButtonsAndForgedPostsAreRefused() throws Exception {
    // Another scope: the laptop holds an approved NO_SCREENSHOTS exemption already.
    String exemptionId = requestExemption(ExemptionScope.NO_KEYSTROKES, "browser test: leave me pending");
    browser.findElement(By.id("signout")).click();
    waitFor(By.id("token"));
    signIn("dev-viewer-token");
    browser.get(base + "/#/exemptions");
    waitFor(By.cssSelector("tr[data-exemption='" + exemptionId + "']"));
    assertTrue(browser.findElements(By.cssSelector("button.approve")).isEmpty(), "no approve button for a viewer");
    assertTrue(browser.findElements(By.cssSelector("button.deny")).isEmpty(), "no deny button for a viewer");
    screenshot("exemptions-viewer");

    // The viewer's own page, with its CSRF token: the role is refused by the API's own check.
    Object viewerCall = js().executeAsyncScript("""
        const done = arguments[arguments.length - 1];
        fetch('/api/session').then(r => r.json()).then(s => fetch('/api/ApproveExemption', {
          method: 'POST', headers: {'Content-Type': 'application/json', 'X-CSRF-Token': s.csrfToken},
          body: JSON.stringify({deviceId: arguments[0], exemptionId: arguments[1]})}))
          .then(r => r.text().then(t => done(r.status + ' ' + t)));
        """, LAPTOP, exemptionId);
    assertTrue(String.valueOf(viewerCall).startsWith("403 ") && String.valueOf(viewerCall).contains("PERMISSION_DENIED"),
        String.valueOf(viewerCall));

    // An admin's session, but a form posted from another site: no CSRF header (and, from a real
    // other site, no cookie either, SameSite=Strict).
    browser.findElement(By.id("signout")).click();
    waitFor(By.id("token"));
    signIn("dev-admin-token");
    waitFor(By.id("fleet-total"));
    String adminCookie = browser.manage().getCookieNamed("fleet_session").getValue();
    HttpClient client = HttpClient.newBuilder().sslContext(TestTls.clientSslContext()).build();
    String csrf = client.send(HttpRequest.newBuilder(URI.create(base + "/api/session"))
        .header("Cookie", "fleet_session=" + adminCookie).build(), HttpResponse.BodyHandlers.ofString())
        .body().replaceAll(".*\"csrfToken\":\"([^\"]+)\".*", "$1");
    String approve = "{\"deviceId\":\"" + LAPTOP + "\",\"exemptionId\":\"" + exemptionId + "\"}";
    // Even with the session's own CSRF token, a post another site's page makes is refused by its Origin.
    HttpResponse<String> foreign = client.send(HttpRequest.newBuilder(URI.create(base + "/api/ApproveExemption"))
        .header("Cookie", "fleet_session=" + adminCookie)
        .header("X-CSRF-Token", csrf)
        .header("Origin", "https://attacker.example")
        .POST(HttpRequest.BodyPublishers.ofString(approve)).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(403, foreign.statusCode(), foreign.body());
    assertTrue(foreign.body().contains("another site"), foreign.body());
    HttpResponse<String> noHeader = client.send(HttpRequest.newBuilder(URI.create(base + "/api/ApproveExemption"))
        .header("Cookie", "fleet_session=" + adminCookie)
        .POST(HttpRequest.BodyPublishers.ofString(approve))
        .build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(403, noHeader.statusCode(), noHeader.body());
    assertTrue(noHeader.body().contains("X-CSRF-Token"), noHeader.body());

    // A real cross-site form in the browser: the cookie is not sent, so it is not even signed in.
    browser.get("data:text/html,<form id=f method=post action='" + base + "/api/ApproveExemption'>"
        + "<input name=deviceId value=" + LAPTOP + "><input name=exemptionId value=" + exemptionId + "></form>"
        + "<script>document.getElementById('f').submit()</script>");
    new WebDriverWait(browser, Duration.ofSeconds(10)).until(d -> d.getCurrentUrl().startsWith(base));
    String answer = browser.findElement(By.tagName("body")).getText();
    assertTrue(answer.contains("UNAUTHENTICATED"), "SameSite=Strict: no session came with it: " + answer);
    assertEquals(ExemptionStatus.EXEMPTION_STATUS_REQUESTED, exemption(exemptionId).getStatus(), "nothing changed");
  }

  @Test
  @Order(7)
  void theEmployeePausesAndResumesOnTheirPageAndTheGateFollows() throws Exception {
    browser.get(employeeLink());
    Eventually.within(Duration.ofSeconds(15), () -> assertTrue(text("capture-state").contains("ON"), text("capture-state")));
    screenshot("employee");
    new Select(browser.findElement(By.id("pause-minutes"))).selectByValue("10");
    browser.findElement(By.id("pause-button")).click();
    Eventually.within(Duration.ofSeconds(15), () ->
        assertEquals(CaptureState.PAUSED, laptop.gate().captureState().state(), "the gate says PAUSED"));
    Eventually.within(Duration.ofSeconds(10), () -> assertTrue(text("capture-state").contains("OFF"), text("capture-state")));
    screenshot("employee-paused");
    browser.findElement(By.id("resume-button")).click();
    Eventually.within(Duration.ofSeconds(15), () ->
        assertEquals(CaptureState.ACTIVE, laptop.gate().captureState().state(), "resumed"));
  }

  @Test
  @Order(8)
  void theEmployeeAcceptsTheNoticeOnTheirPageAndCaptureMayStart() throws Exception {
    var current = harness.admin.getPolicy().addHeader("authorization", bearer())
        .invoke(GetPolicyRequest.newBuilder().setName("default").build())
        .toCompletableFuture().get(10, TimeUnit.SECONDS).getPolicy();
    var withNotice = current.toBuilder().setName("browser-notice").setVersion(0)
        .setNoticeText("Browser test notice: pointer and clicks in work apps are recorded to train agents.").build();
    long version = harness.admin.createPolicy().addHeader("authorization", bearer())
        .invoke(CreatePolicyRequest.newBuilder().setPolicy(withNotice).build())
        .toCompletableFuture().get(10, TimeUnit.SECONDS).getPolicy().getVersion();
    harness.admin.assignPolicy().addHeader("authorization", bearer())
        .invoke(AssignPolicyRequest.newBuilder().setPolicyName("browser-notice").setPolicyVersion(version)
            .setSelector(DeviceSelector.newBuilder().addDeviceIds(LAPTOP)).build())
        .toCompletableFuture().get(10, TimeUnit.SECONDS);
    Eventually.within(Duration.ofSeconds(30), () ->
        assertEquals(CaptureState.NOTICE_PENDING, laptop.gate().captureState().state(), "waiting for the notice"));

    browser.get(employeeLink());
    WebElement accept = new WebDriverWait(browser, Duration.ofSeconds(15)).until(d -> {
      WebElement button = d.findElement(By.id("accept-notice"));
      return button.isDisplayed() ? button : null;
    });
    assertTrue(text("notice").contains("Browser test notice"), text("notice"));
    screenshot("employee-notice");
    accept.click();
    Eventually.within(Duration.ofSeconds(15), () -> {
      var decision = laptop.gate().captureState();
      assertTrue(decision.allowed(), "capture may start: " + decision);
    });
    Eventually.within(Duration.ofSeconds(10), () -> assertTrue(text("capture-state").contains("ON"), text("capture-state")));
  }

  // ---- helpers ----

  /** A one-time sign-in link, asked for over the employee socket as `fleet-agent page` does. */
  private static String employeeLink() throws Exception {
    try (EmployeeClient client = EmployeeClient.connect(employeeSocket.path())) {
      return client.openPage().getUrl();
    }
  }

  private static void signIn(String token) {
    browser.get(base + "/");
    WebElement field = waitFor(By.id("token"));
    field.sendKeys(token);
    browser.findElement(By.id("signin")).click();
    waitFor(By.id("who"));
  }

  private static String requestExemption(ExemptionScope scope, String comment) throws Exception {
    var outcome = laptop.requestExemption(scope, ExemptionReason.SENSITIVE_WORK, comment)
        .toCompletableFuture().get(30, TimeUnit.SECONDS);
    assertTrue(outcome.accepted(), "the controller took the request: " + outcome.message());
    String[] id = new String[1];
    Eventually.within(Duration.ofSeconds(30), () -> {
      List<Exemption> pending = harness.admin.listExemptions().addHeader("authorization", bearer())
          .invoke(ListExemptionsRequest.newBuilder().setDeviceId(LAPTOP)
              .setStatus(ExemptionStatus.EXEMPTION_STATUS_REQUESTED).build())
          .toCompletableFuture().get(10, TimeUnit.SECONDS).getExemptionsList().stream()
          .filter(e -> e.getComment().equals(comment)).toList();
      assertEquals(1, pending.size(), "the request is queued for approvers");
      id[0] = pending.get(0).getExemptionId();
    });
    return id[0];
  }

  private static Exemption exemption(String id) throws Exception {
    return harness.admin.listExemptions().addHeader("authorization", bearer())
        .invoke(ListExemptionsRequest.newBuilder().setDeviceId(LAPTOP).build())
        .toCompletableFuture().get(10, TimeUnit.SECONDS).getExemptionsList().stream()
        .filter(e -> e.getExemptionId().equals(id)).findFirst().orElseThrow();
  }

  private static Set<String> listedDevices() {
    return browser.findElements(By.cssSelector("#devices-table tbody tr")).stream()
        .map(row -> row.getAttribute("data-device")).collect(Collectors.toSet());
  }

  private static long ackedOnPage() {
    return browser.findElements(By.cssSelector("#rollout-waves td.acked")).stream()
        .mapToLong(cell -> Long.parseLong(cell.getText().trim())).sum();
  }

  private static String text(String id) {
    return browser.findElement(By.id(id)).getText().trim();
  }

  /** The element once it is there; else a failure that shows where the browser was and what it showed. */
  private static WebElement waitFor(By what) {
    try {
      return new WebDriverWait(browser, Duration.ofSeconds(20)).until(d -> {
        List<WebElement> found = d.findElements(what);
        return found.isEmpty() ? null : found.get(0);
      });
    } catch (org.openqa.selenium.TimeoutException e) {
      String page = browser.getPageSource();
      throw new AssertionError("no " + what + " at " + browser.getCurrentUrl() + "; the page shows: "
          + browser.findElement(By.tagName("body")).getText() + "\nconsole: "
          + browser.manage().logs().get(org.openqa.selenium.logging.LogType.BROWSER).getAll()
          + "\n" + page.substring(0, Math.min(page.length(), 2000)), e);
    }
  }

  private static JavascriptExecutor js() {
    return (JavascriptExecutor) browser;
  }

  static void screenshot(String name) throws Exception {
    Files.write(SCREENSHOTS.resolve(name + ".png"), ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));
  }

  private static String bearer() {
    return "Bearer " + FleetHarness.ADMIN_TOKEN;
  }
}
