package io.fleetcontrol.controller.cluster;

import io.fleetcontrol.device.DeviceEntity;
import io.fleetcontrol.device.DeviceCommand;
import io.fleetcontrol.catalog.PolicyCatalog;
import io.fleetcontrol.rollout.PolicyRollouts;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.apache.pekko.cluster.sharding.typed.testkit.javadsl.TestEntityRef;

/** {@link EntityRefs} whose entities are test probes (one per device, one catalog, one per policy's rollouts). */
public final class ProbeEntities implements EntityRefs {

  private final ActorTestKit kit;
  private final Map<String, TestProbe<DeviceCommand>> devices = new ConcurrentHashMap<>();
  private final Map<String, TestProbe<PolicyRollouts.Command>> rollouts = new ConcurrentHashMap<>();
  public final TestProbe<PolicyCatalog.Command> catalog;

  public ProbeEntities(ActorTestKit kit) {
    this.kit = kit;
    this.catalog = kit.createTestProbe(PolicyCatalog.Command.class);
  }

  /** The probe standing in for this device's entity. */
  public TestProbe<DeviceCommand> deviceProbe(String deviceId) {
    return devices.computeIfAbsent(deviceId, id -> kit.createTestProbe(DeviceCommand.class));
  }

  public TestProbe<PolicyRollouts.Command> rolloutsProbe(String policyName) {
    return rollouts.computeIfAbsent(policyName, id -> kit.createTestProbe(PolicyRollouts.Command.class));
  }

  /** Whether any command reached a device entity at all. */
  public boolean anyDeviceAsked() {
    return !devices.isEmpty();
  }

  @Override
  public EntityRef<DeviceCommand> device(String deviceId) {
    return TestEntityRef.of(DeviceEntity.ENTITY_KEY, deviceId, deviceProbe(deviceId).ref());
  }

  @Override
  public EntityRef<PolicyCatalog.Command> catalog() {
    return TestEntityRef.of(PolicyCatalog.ENTITY_KEY, PolicyCatalog.CATALOG_ID, catalog.ref());
  }

  @Override
  public EntityRef<PolicyRollouts.Command> rollouts(String policyName) {
    return TestEntityRef.of(PolicyRollouts.ENTITY_KEY, policyName, rolloutsProbe(policyName).ref());
  }
}
