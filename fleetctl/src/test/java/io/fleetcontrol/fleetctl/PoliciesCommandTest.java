package io.fleetcontrol.fleetctl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fleetcontrol.proto.v1.AssignPolicyRequest;
import io.fleetcontrol.proto.v1.CreatePolicyRequest;
import io.fleetcontrol.proto.v1.GetPolicyRequest;
import io.fleetcontrol.proto.v1.ListPoliciesRequest;
import io.fleetcontrol.proto.v1.Policy;
import io.fleetcontrol.proto.v1.UpdatePolicyRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code fleetctl policies ...} against the fake AdminService: what is sent, what is printed. */
class PoliciesCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String EXAMPLE = PolicyFileTest.EXAMPLE.toString();
  private static FakeAdminServer server;

  @TempDir Path dir;

  @BeforeAll
  static void startServer() throws Exception {
    server = new FakeAdminServer();
  }

  @AfterAll
  static void stopServer() throws Exception {
    server.close();
  }

  @BeforeEach
  void forgetEarlierCalls() {
    server.service.reset();
  }

  private static CliResult fleetctl(String... args) {
    return CliResult.against(server, args);
  }

  private static Policy example() {
    return PolicyFileMapping.toProto(PolicyFileYaml.read(PolicyFileTest.EXAMPLE));
  }

  /** The example stored as v1, and as v2 with 5 pauses a day. */
  private static void storeTwoVersions() {
    server.service.store(example());
    server.service.store(example().toBuilder()
        .setPause(example().getPause().toBuilder().setPausesPerDay(5)).build());
  }

  private Path write(String name, String text) throws Exception {
    return Files.writeString(dir.resolve(name), text);
  }

  private static void assertOneErrorLine(CliResult result) {
    assertEquals(1, result.errLines().size(), result.err());
    assertEquals("", result.out());
  }

  // ---- create / update ----

  @Test
  void createSendsTheFileAndPrintsTheVersion() {
    CliResult result = fleetctl("policies", "create", "-f", EXAMPLE);

    assertEquals(0, result.exitCode(), result.err());
    assertEquals("created engineering version 1\n", result.out());
    List<CreatePolicyRequest> sent = server.service.sent(CreatePolicyRequest.class);
    assertEquals(1, sent.size());
    assertEquals(example(), sent.get(0).getPolicy());
  }

  @Test
  void createPrintsTheStoredPolicyAsJson() throws Exception {
    CliResult result = fleetctl("policies", "create", "-f", EXAMPLE, "-o", "json");

    assertEquals(0, result.exitCode(), result.err());
    JsonNode stored = JSON.readTree(result.out());
    assertEquals(1, stored.get("version").asLong());
    assertEquals("500MB", stored.get("bandwidth").get("daily_upload_cap").asText());
  }

  @Test
  void createOfAnExistingNameSaysToUpdate() {
    server.service.store(example());

    CliResult result = fleetctl("policies", "create", "-f", EXAMPLE);

    assertEquals(ExitCodes.ERROR, result.exitCode());
    assertOneErrorLine(result);
    assertTrue(result.err().startsWith("fleetctl: policies create: ALREADY_EXISTS: policy engineering exists"
        + " (store a new version with 'fleetctl policies update -f "), result.err());
  }

  @Test
  void updateStoresTheNextVersion() throws Exception {
    server.service.store(example());
    Path edited = write("edited.yaml", Files.readString(PolicyFileTest.EXAMPLE)
        .replace("pauses_per_day: 3", "pauses_per_day: 5"));

    CliResult result = fleetctl("policies", "update", "-f", edited.toString());

    assertEquals(0, result.exitCode(), result.err());
    assertEquals("updated engineering to version 2\n", result.out());
    Policy sent = server.service.sent(UpdatePolicyRequest.class).get(0).getPolicy();
    assertEquals(5, sent.getPause().getPausesPerDay());
    assertEquals(0, sent.getVersion(), "the server assigns the version");
  }

  @Test
  void updateOfAMissingPolicyExitsThreeAndSaysToCreate() {
    CliResult result = fleetctl("policies", "update", "-f", EXAMPLE);

    assertEquals(ExitCodes.NOT_FOUND, result.exitCode());
    assertOneErrorLine(result);
    assertTrue(result.err().contains("NOT_FOUND: policy engineering does not exist (create it with"), result.err());
  }

  @Test
  void aPolicyTheServerRefusesExitsOneNamingEachField() throws Exception {
    Path file = write("bad.yaml", "name: bad-policy\ncapture_kinds: [clicks]\npause: {max_pause: 9h}\n");

    CliResult result = fleetctl("policies", "create", "-f", file.toString());

    assertEquals(ExitCodes.ERROR, result.exitCode());
    assertOneErrorLine(result);
    assertEquals("fleetctl: policies create: INVALID_ARGUMENT: " + FakeAdminService.INVALID_DESCRIPTION,
        result.err().strip());
    assertTrue(result.err().contains("allowlist[3].pattern") && result.err().contains("pause.max_pause"));
  }

  @Test
  void updateRefusedAsInvalidIsTheSameOneLine() throws Exception {
    Path file = write("bad.yaml", "name: bad-policy\n");

    CliResult result = fleetctl("policies", "update", "-f", file.toString());

    assertEquals(ExitCodes.ERROR, result.exitCode());
    assertOneErrorLine(result);
    assertTrue(result.err().startsWith("fleetctl: policies update: INVALID_ARGUMENT: allowlist[3].pattern"), result.err());
  }

  @Test
  void anUnknownKeyIsAUsageErrorNamingKeyAndLineAndSendsNothing() throws Exception {
    Path file = write("typo.yaml", "name: x\ncapture_kinds: [clicks]\npause:\n  max_pauses: 30m\n");

    CliResult result = fleetctl("policies", "create", "-f", file.toString());

    assertEquals(ExitCodes.USAGE, result.exitCode());
    assertOneErrorLine(result);
    assertTrue(result.err().startsWith("fleetctl: " + file + ":4: unknown key 'pause.max_pauses'"), result.err());
    assertTrue(server.service.requests.isEmpty(), "nothing is sent");
  }

  @Test
  void anUnreadableValueIsAUsageErrorNamingTheField() throws Exception {
    Path file = write("size.yaml", "name: x\nbandwidth: {daily_upload_cap: 500 megs}\n");

    CliResult result = fleetctl("policies", "update", "-f", file.toString());

    assertEquals(ExitCodes.USAGE, result.exitCode());
    assertOneErrorLine(result);
    assertTrue(result.err().contains(":2: bandwidth.daily_upload_cap: '500 megs' is not a size"), result.err());
    assertTrue(server.service.requests.isEmpty());
  }

  @ParameterizedTest(name = "{0}: {1}")
  @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
      bandwidth.daily_upload_cap  | bandwidth: {daily_upload_cap: 5 gigs}
      bandwidth.upload_rate_limit | bandwidth: {upload_rate_limit: fast}
      bandwidth.metered_network   | bandwidth: {metered_network: sometimes}
      pause.max_pause             | pause: {max_pause: half an hour}
      offline_limit               | offline_limit: 1 day
      capture_kinds[0]            | capture_kinds: [mouse]
      allowlist[0].kinds[1]       | allowlist: [{app: slack, kinds: [clicks, audio]}]
      schedule.days[2]            | schedule: {days: [mon, tue, someday]}
      schedule.end                | schedule: {days: [mon], start: "08:00", end: "6pm"}
      battery.min_percent_unplugged | battery: {min_percent_unplugged: twenty}
      """)
  void eachUnreadableValueExitsTwoNamingItsField(String field, String line) throws Exception {
    Path file = write("bad-value.yaml", "name: x\n" + line + "\n");

    CliResult result = fleetctl("policies", "create", "-f", file.toString());

    assertEquals(ExitCodes.USAGE, result.exitCode(), result.err());
    assertOneErrorLine(result);
    assertTrue(result.err().startsWith("fleetctl: " + file + ":2: " + field + ": '"), result.err());
    assertTrue(server.service.requests.isEmpty(), "nothing is sent");
  }

  @Test
  void aMissingFileIsAUsageError() {
    CliResult result = fleetctl("policies", "create", "-f", "no-such-policy.yaml");

    assertEquals(ExitCodes.USAGE, result.exitCode());
    assertOneErrorLine(result);
    assertTrue(result.err().contains("no-such-policy.yaml: no such file"), result.err());
  }

  // ---- get / list ----

  @Test
  void getPrintsThePolicyInPlainWords() {
    storeTwoVersions();

    CliResult result = fleetctl("policies", "get", "engineering");

    assertEquals(0, result.exitCode(), result.err());
    assertEquals(0, server.service.sent(GetPolicyRequest.class).get(0).getVersion(), "0 asks for the latest");
    String out = result.out();
    assertTrue(out.startsWith("policy engineering v2, created "), out);
    assertTrue(out.contains("captures:      pointer, clicks, keystrokes, menu selections, screenshots"), out);
    assertTrue(out.contains("allowed in:    7 apps: com.microsoft.Excel,"), out);
    assertTrue(out.contains("slack (pointer, clicks)"), out);
    assertTrue(out.contains("8 sites: *.atlassian.net,"), out);
    assertTrue(out.contains("never in:      3 apps: com.1password.1password"), out);
    assertTrue(out.contains("6 sites: mail.google.com"), out);
    assertTrue(out.contains("pause:         up to 30m, 5 per day"), out);
    assertTrue(out.contains("hours:         mon-fri 08:00-18:00"), out);
    assertTrue(out.contains("uploads:       500 MB a day, 5 GB a month, at most 2 MB/s; deferred on metered networks"), out);
    assertTrue(out.contains("battery:       capture stops below 20% when unplugged; screenshots only while charging"), out);
    assertTrue(out.contains("where:         US only"), out);
    assertTrue(out.contains("capture stops after 24h without the controller; heartbeat every 30s"), out);
    assertTrue(out.contains("notice:        This laptop records"), out);
  }

  @Test
  void getAVersionAsksForIt() {
    storeTwoVersions();

    CliResult result = fleetctl("policies", "get", "engineering", "--version", "1");

    assertEquals(0, result.exitCode(), result.err());
    assertEquals(1, server.service.sent(GetPolicyRequest.class).get(0).getVersion());
    assertTrue(result.out().contains("up to 30m, 3 per day"), result.out());
  }

  @Test
  void getVersionZeroIsAUsageError() {
    CliResult result = fleetctl("policies", "get", "engineering", "--version", "0");

    assertEquals(ExitCodes.USAGE, result.exitCode());
    assertOneErrorLine(result);
    assertTrue(server.service.requests.isEmpty());
  }

  @Test
  void getOfAMissingPolicyExitsThree() {
    CliResult result = fleetctl("policies", "get", "nothing");

    assertEquals(ExitCodes.NOT_FOUND, result.exitCode());
    assertOneErrorLine(result);
  }

  @Test
  void getAsYamlCanBeEditedAndFedBackToUpdate() throws Exception {
    storeTwoVersions();

    CliResult got = fleetctl("policies", "get", "engineering", "-o", "yaml");
    assertEquals(0, got.exitCode(), got.err());
    assertTrue(got.out().contains("version: 2"), got.out());
    Path file = write("got.yaml", got.out().replace("pauses_per_day: 5", "pauses_per_day: 4"));
    CliResult updated = fleetctl("policies", "update", "-f", file.toString());

    assertEquals(0, updated.exitCode(), updated.err());
    assertEquals("updated engineering to version 3\n", updated.out());
    Policy sent = server.service.sent(UpdatePolicyRequest.class).get(0).getPolicy();
    Policy expected = example().toBuilder().setPause(example().getPause().toBuilder().setPausesPerDay(4)).build();
    assertEquals(expected, sent, "everything else as stored");
  }

  @Test
  void getAsJsonIsTheSameTree() throws Exception {
    server.service.store(example());

    CliResult result = fleetctl("policies", "get", "engineering", "-o", "json");

    assertEquals(0, result.exitCode(), result.err());
    JsonNode policy = JSON.readTree(result.out());
    assertEquals("engineering", policy.get("name").asText());
    assertEquals(1, policy.get("version").asLong());
    assertEquals("pointer", policy.get("capture_kinds").get(0).asText());
    assertEquals("slack", policy.get("allowlist").get(5).get("app").asText());
    assertEquals("30m", policy.get("pause").get("max_pause").asText());
    assertEquals(3, policy.get("pause").get("pauses_per_day").asInt());
    assertEquals("mon", policy.get("schedule").get("days").get(0).asText());
    assertEquals("5GB", policy.get("bandwidth").get("monthly_upload_cap").asText());
    assertEquals("US", policy.get("jurisdictions").get(0).asText());
  }

  @Test
  void listFollowsPagesAndPrintsEachPolicy() throws Exception {
    storeTwoVersions();
    server.service.store(Policy.newBuilder().setName("sales").setDescription("sales team").addJurisdictions("US").build());
    server.service.store(Policy.newBuilder().setName("support").addJurisdictions("US").addJurisdictions("CA").build());

    CliResult table = fleetctl("policies", "list");
    List<ListPoliciesRequest> pages = server.service.sent(ListPoliciesRequest.class);
    CliResult json = fleetctl("policies", "list", "-o", "json");

    assertEquals(0, table.exitCode(), table.err());
    assertEquals(2, pages.size(), "three policies in pages of two");
    assertEquals("2", pages.get(1).getPageToken());
    List<String> lines = table.out().lines().toList();
    assertEquals(4, lines.size(), table.out());
    assertTrue(lines.get(0).matches("NAME\\s+VERSION\\s+CREATED\\s+KINDS\\s+ALLOW\\s+DENY\\s+WHERE\\s+DESCRIPTION"), lines.get(0));
    assertTrue(lines.get(1).matches("engineering\\s+2\\s+\\S+Z\\s+5\\s+15\\s+9\\s+US\\s+Work apps.*"), lines.get(1));
    assertTrue(lines.get(3).matches("support\\s+1\\s+.*US,CA\\s+-"), lines.get(3));
    JsonNode list = JSON.readTree(json.out());
    assertEquals(3, list.get("policies").size());
    assertEquals("sales", list.get("policies").get(1).get("name").asText());
    assertEquals("US", list.get("policies").get(2).get("jurisdictions").get(0).asText());
  }

  // ---- diff ----

  @Test
  void diffOfTwoVersionsShowsTheChangedLines() {
    storeTwoVersions();

    CliResult result = fleetctl("policies", "diff", "engineering", "--from", "1", "--to", "2");

    assertEquals(0, result.exitCode(), result.err());
    List<String> lines = result.out().lines().toList();
    assertEquals("--- engineering v1", lines.get(0));
    assertEquals("+++ engineering v2", lines.get(1));
    assertTrue(lines.get(2).matches("@@ -\\d+,7 \\+\\d+,7 @@"), lines.get(2));
    assertTrue(lines.contains("-  pauses_per_day: 3"), result.out());
    assertTrue(lines.contains("+  pauses_per_day: 5"), result.out());
    assertEquals(2, lines.stream().filter(l -> l.startsWith("-") || l.startsWith("+")).count() - 2,
        "only the changed line, twice:\n" + result.out());
    assertFalse(result.out().contains("version:"), "versions differ by definition; not shown as a change");
  }

  @Test
  void diffWithoutToComparesWithTheLatest() {
    storeTwoVersions();

    CliResult result = fleetctl("policies", "diff", "engineering", "--from", "1");

    assertEquals(0, result.exitCode(), result.err());
    assertTrue(result.out().startsWith("--- engineering v1\n+++ engineering v2\n"), result.out());
  }

  @Test
  void diffOfAFileAgainstTheLatest() throws Exception {
    storeTwoVersions();
    Path same = write("same.yaml", Files.readString(PolicyFileTest.EXAMPLE).replace("pauses_per_day: 3", "pauses_per_day: 5"));

    CliResult equal = fleetctl("policies", "diff", "engineering", "-f", same.toString());
    CliResult different = fleetctl("policies", "diff", "engineering", "-f", EXAMPLE);

    assertEquals(0, equal.exitCode(), equal.err());
    assertEquals("no differences\n", equal.out(), "formatting and comments do not count");
    assertEquals(1, different.exitCode(), "a file that differs exits 1, as diff(1) and kubectl diff do");
    assertTrue(different.out().startsWith("--- engineering v2\n+++ " + EXAMPLE + "\n"), different.out());
    assertTrue(different.out().contains("-  pauses_per_day: 5\n+  pauses_per_day: 3\n"), different.out());
    assertEquals(List.of(0L, 0L), server.service.sent(GetPolicyRequest.class).stream().map(GetPolicyRequest::getVersion).toList());
  }

  // ---- apply ----

  private Path policyFile(Path in, String file, String name, int pausesPerDay) throws Exception {
    return Files.writeString(in.resolve(file), Files.readString(PolicyFileTest.EXAMPLE)
        .replace("name: engineering", "name: " + name)
        .replace("pauses_per_day: 3", "pauses_per_day: " + pausesPerDay));
  }

  @Test
  void applyOnADirectoryCreatesWhatIsNewUpdatesWhatDiffersAndLeavesTheRestAlone() throws Exception {
    server.service.store(example());
    server.service.store(example().toBuilder().setName("support").build());
    Path policies = Files.createDirectory(dir.resolve("policies"));
    Path same = policyFile(policies, "a-engineering.yaml", "engineering", 3);
    Path changed = policyFile(policies, "b-support.yml", "support", 5);
    Path fresh = policyFile(policies, "c-sales.yaml", "sales", 3);
    Files.writeString(policies.resolve("README.md"), "not a policy");

    CliResult result = fleetctl("policies", "apply", "-f", policies.toString());

    assertEquals(0, result.exitCode(), result.err());
    assertEquals("unchanged engineering version 1 (" + same + ")\n"
        + "updated support version 2 (" + changed + ")\n"
        + "created sales version 1 (" + fresh + ")\n", result.out());
    assertEquals(List.of("sales"), server.service.sent(CreatePolicyRequest.class).stream()
        .map(r -> r.getPolicy().getName()).toList());
    assertEquals(List.of(5), server.service.sent(UpdatePolicyRequest.class).stream()
        .map(r -> r.getPolicy().getPause().getPausesPerDay()).toList());

    int created = server.service.sent(CreatePolicyRequest.class).size();
    int updated = server.service.sent(UpdatePolicyRequest.class).size();
    CliResult again = fleetctl("policies", "apply", "-f", policies.toString(), "-o", "json");
    assertEquals(0, again.exitCode(), "nothing to change is not an error");
    List<String> actions = new ArrayList<>();
    JSON.readTree(again.out()).forEach(entry -> actions.add(entry.get("action").asText()));
    assertEquals(List.of("unchanged", "unchanged", "unchanged"), actions, again.out());
    assertEquals(created, server.service.sent(CreatePolicyRequest.class).size(), "nothing created again");
    assertEquals(updated, server.service.sent(UpdatePolicyRequest.class).size(), "nothing updated again");
  }

  @Test
  void applyChecksEveryFileBeforeSendingAnything() throws Exception {
    Path policies = Files.createDirectory(dir.resolve("policies"));
    policyFile(policies, "a.yaml", "sales", 3);
    Path twice = policyFile(policies, "b.yaml", "sales", 4);
    Files.writeString(policies.resolve("c.yaml"), "name: broken\nnot_a_key: 1\n");

    CliResult duplicate = fleetctl("policies", "apply", "-f", policies.toString());
    assertEquals(2, duplicate.exitCode());
    assertTrue(duplicate.err().contains("policy sales is in both") && duplicate.err().contains(twice.toString()),
        duplicate.err());
    Files.delete(twice);
    CliResult broken = fleetctl("policies", "apply", "-f", policies.toString());
    assertEquals(2, broken.exitCode());
    assertTrue(broken.err().contains("c.yaml"), broken.err());
    assertEquals(List.of(), server.service.sent(CreatePolicyRequest.class), "nothing was created");
    assertEquals(List.of(), server.service.sent(ListPoliciesRequest.class), "the server was not even asked");
  }

  @Test
  void diffAsJsonSaysWhetherTheyDiffer() throws Exception {
    storeTwoVersions();

    JsonNode same = JSON.readTree(fleetctl("policies", "diff", "engineering", "--from", "2", "-o", "json").out());
    JsonNode changed = JSON.readTree(fleetctl("policies", "diff", "engineering", "--from", "1", "--to", "2", "-o", "json").out());

    assertFalse(same.get("differs").asBoolean());
    assertEquals(0, same.get("lines").size());
    assertTrue(changed.get("differs").asBoolean());
    assertEquals("engineering v1", changed.get("from").asText());
    assertTrue(changed.get("lines").toString().contains("\"+  pauses_per_day: 5\""), changed.toString());
  }

  @Test
  void diffNeedsEitherVersionsOrAFile() {
    CliResult both = fleetctl("policies", "diff", "engineering", "--from", "1", "-f", EXAMPLE);
    CliResult neither = fleetctl("policies", "diff", "engineering");

    assertEquals(ExitCodes.USAGE, both.exitCode());
    assertOneErrorLine(both);
    assertEquals(ExitCodes.USAGE, neither.exitCode());
    assertTrue(server.service.requests.isEmpty());
  }

  // ---- assign ----

  @Test
  void assignWithoutVersionPinsTheLatestAndNamesIt() {
    storeTwoVersions();

    CliResult result = fleetctl("policies", "assign", "engineering", "--label", "team=eng", "--label", "os=mac");

    assertEquals(0, result.exitCode(), result.err());
    assertEquals("assigned engineering v2 to " + FakeAdminService.LABELLED_DEVICES + " devices\n", result.out());
    AssignPolicyRequest sent = server.service.sent(AssignPolicyRequest.class).get(0);
    assertEquals("engineering", sent.getPolicyName());
    assertEquals(2, sent.getPolicyVersion());
    assertEquals(List.of("team=eng", "os=mac"), sent.getSelector().getLabelsList());
    assertFalse(sent.getSelector().getAll());
    assertEquals(0, sent.getSelector().getDeviceIdsCount());
  }

  @Test
  void assignAVersionToDevices() {
    CliResult result = fleetctl("policies", "assign", "engineering", "--version", "1", "--device", "dev-01",
        "--device", "dev-02");

    assertEquals(0, result.exitCode(), result.err());
    assertEquals("assigned engineering v1 to 2 devices\n", result.out());
    assertTrue(server.service.sent(GetPolicyRequest.class).isEmpty(), "a given version is not looked up");
    AssignPolicyRequest sent = server.service.sent(AssignPolicyRequest.class).get(0);
    assertEquals(1, sent.getPolicyVersion());
    assertEquals(List.of("dev-01", "dev-02"), sent.getSelector().getDeviceIdsList());
  }

  @Test
  void assignToAllAsJson() throws Exception {
    server.service.store(example());

    CliResult result = fleetctl("policies", "assign", "engineering", "--all", "-o", "json");

    assertEquals(0, result.exitCode(), result.err());
    assertTrue(server.service.sent(AssignPolicyRequest.class).get(0).getSelector().getAll());
    JsonNode out = JSON.readTree(result.out());
    assertEquals(1, out.get("policy_version").asLong());
    assertEquals(FakeAdminService.DEVICES.size(), out.get("assigned_device_count").asLong());
  }

  @Test
  void assignOneDeviceSaysDevice() {
    CliResult result = fleetctl("policies", "assign", "engineering", "--version", "3", "--device", "dev-01");

    assertEquals("assigned engineering v3 to 1 device\n", result.out());
  }

  @Test
  void assignTakesExactlyOneKindOfSelector() {
    CliResult two = fleetctl("policies", "assign", "engineering", "--all", "--label", "team=eng");
    CliResult none = fleetctl("policies", "assign", "engineering");
    CliResult badLabel = fleetctl("policies", "assign", "engineering", "--label", "team");

    for (CliResult result : List.of(two, none, badLabel)) {
      assertEquals(ExitCodes.USAGE, result.exitCode(), result.err());
      assertOneErrorLine(result);
    }
    assertTrue(server.service.requests.isEmpty(), "nothing is sent");
  }

  @Test
  void assignOfAMissingPolicyExitsThree() {
    CliResult result = fleetctl("policies", "assign", "nothing", "--all");

    assertEquals(ExitCodes.NOT_FOUND, result.exitCode());
    assertOneErrorLine(result);
    assertTrue(server.service.sent(AssignPolicyRequest.class).isEmpty());
  }
}
