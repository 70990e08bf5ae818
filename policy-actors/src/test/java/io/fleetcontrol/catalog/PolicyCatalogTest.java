package io.fleetcontrol.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.fleetcontrol.device.MutableClock;
import io.fleetcontrol.policy.Policy;
import io.fleetcontrol.refusal.Refusal;
import io.fleetcontrol.refusal.RefusalException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Every command of the catalog: versions assigned here, the refusals, and the state after recovery. */
class PolicyCatalogTest {

  private static final ActorTestKit testKit =
      ActorTestKit.create(EventSourcedBehaviorTestKit.config().withFallback(ConfigFactory.load()));
  private static final Instant NOW = Instant.parse("2026-12-01T10:00:00Z");

  private MutableClock clock;
  private EventSourcedBehaviorTestKit<PolicyCatalog.Command, PolicyCatalog.Event, PolicyCatalog.State> kit;

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  @BeforeEach
  void setUp() {
    clock = new MutableClock(NOW);
    kit = EventSourcedBehaviorTestKit.create(testKit.system(), PolicyCatalog.create(PolicyCatalog.CATALOG_ID, clock));
  }

  /** A draft as the edge sends it: the version in it is ignored, the catalog assigns one. */
  private static Policy draft(String name) {
    return Policy.starter(name, 0);
  }

  private EventSourcedBehaviorTestKit.CommandResultWithReply<PolicyCatalog.Command, PolicyCatalog.Event,
      PolicyCatalog.State, StatusReply<Policy>> create(String name) {
    return kit.runCommand(r -> new PolicyCatalog.CreatePolicy(draft(name), "ops", r));
  }

  private EventSourcedBehaviorTestKit.CommandResultWithReply<PolicyCatalog.Command, PolicyCatalog.Event,
      PolicyCatalog.State, StatusReply<Policy>> update(String name) {
    return kit.runCommand(r -> new PolicyCatalog.UpdatePolicy(draft(name), "ops", r));
  }

  private StatusReply<Policy> get(String name, long version) {
    return kit.<StatusReply<Policy>>runCommand(r -> new PolicyCatalog.GetPolicy(name, version, r)).reply();
  }

  private static Refusal refusal(StatusReply<?> reply) {
    assertTrue(reply.isError(), "expected a refusal, got " + reply);
    return assertInstanceOf(RefusalException.class, reply.getError()).refusal();
  }

  @Test
  void createMakesVersionOneAndJournalsWhoAndWhen() {
    var result = create("default");
    assertEquals(draft("default").withVersion(1), result.reply().getValue());
    assertEquals(new PolicyCatalog.PolicyVersionCreated(draft("default").withVersion(1), "ops", NOW), result.event());
    assertEquals(1, kit.getState().latestVersion("default"));
  }

  @Test
  void aSecondCreateOfTheSameNameIsRefusedAsAlreadyExisting() {
    create("default");
    var again = create("default");
    assertEquals(new Refusal.AlreadyExists("policy default already exists; update it to make a new version"),
        refusal(again.reply()));
    assertTrue(again.hasNoEvents());
  }

  @Test
  void updateMakesTheNextVersionAndKeepsTheOldOnes() {
    create("default");
    clock.advance(Duration.ofMinutes(5));
    var result = update("default");
    assertEquals(2, result.reply().getValue().version());
    assertEquals(NOW.plus(Duration.ofMinutes(5)),
        ((PolicyCatalog.PolicyVersionCreated) result.event()).createTime());
    assertEquals(1, get("default", 1).getValue().version());
    assertEquals(2, get("default", 2).getValue().version());
  }

  @Test
  void updateOfAnUnknownPolicyIsNotFound() {
    var result = update("nope");
    assertEquals(new Refusal.NotFound("policy nope does not exist"), refusal(result.reply()));
    assertTrue(result.hasNoEvents());
  }

  @Test
  void getOfVersionZeroIsTheLatest() {
    create("default");
    update("default");
    update("default");
    assertEquals(3, get("default", 0).getValue().version());
  }

  @Test
  void getOfAnUnknownNameOrVersionIsNotFound() {
    create("default");
    assertEquals(new Refusal.NotFound("policy nope does not exist"), refusal(get("nope", 0)));
    assertEquals(new Refusal.NotFound("policy nope has no version 2"), refusal(get("nope", 2)));
    assertEquals(new Refusal.NotFound("policy default has no version 7"), refusal(get("default", 7)));
  }

  @Test
  void listHoldsTheLatestVersionOfEachPolicyByName() {
    create("zeta");
    create("alpha");
    update("zeta");
    var result = kit.<StatusReply<PolicyCatalog.PolicyList>>runCommand(PolicyCatalog.ListPolicies::new);
    assertEquals(List.of(draft("alpha").withVersion(1), draft("zeta").withVersion(2)),
        result.reply().getValue().latest());
    assertTrue(result.hasNoEvents());
  }

  @Test
  void listOfAnEmptyCatalogIsEmpty() {
    var result = kit.<StatusReply<PolicyCatalog.PolicyList>>runCommand(PolicyCatalog.ListPolicies::new);
    assertEquals(List.of(), result.reply().getValue().latest());
  }

  @Test
  void everyVersionSurvivesARestart() {
    create("default");
    update("default");
    create("engineering");
    PolicyCatalog.State before = kit.getState();
    kit.restart();
    assertEquals(before, kit.getState());
    assertEquals(2, get("default", 0).getValue().version());
    assertEquals(3, update("default").reply().getValue().version(), "versions keep growing after recovery");
  }
}
