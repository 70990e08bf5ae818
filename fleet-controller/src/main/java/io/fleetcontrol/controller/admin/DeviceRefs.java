package io.fleetcontrol.controller.admin;

import io.fleetcontrol.device.DeviceEntity;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;

/** Where a device's commands go: its sharded entity; in unit tests, a probe behind a TestEntityRef. */
@FunctionalInterface
public interface DeviceRefs {

  EntityRef<DeviceEntity.Command> of(String deviceId);

  static DeviceRefs sharded(ActorSystem<?> system) {
    ClusterSharding sharding = ClusterSharding.get(system);
    return deviceId -> sharding.entityRefFor(DeviceEntity.ENTITY_KEY, deviceId);
  }
}
