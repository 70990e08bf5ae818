package io.fleetcontrol.controller;

import com.typesafe.config.ConfigFactory;
import io.fleetcontrol.controller.security.ControllerSecurity;

/** Starts one controller node from application.conf (and -D / environment overrides). */
public final class Main {

  private Main() {}

  public static void main(String[] args) {
    FleetController controller;
    try {
      controller = FleetController.start(ConfigFactory.load());
    } catch (ControllerSecurity.Refused | IllegalArgumentException | com.typesafe.config.ConfigException e) {
      // A setting that must change: one line that names it, no stack trace.
      System.err.println("fleet-controller: " + e.getMessage());
      System.exit(2);
      return;
    }
    controller.system().getWhenTerminated().toCompletableFuture().join();
    System.exit(0);
  }
}
