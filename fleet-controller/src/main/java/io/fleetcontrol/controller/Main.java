package io.fleetcontrol.controller;

import com.typesafe.config.ConfigFactory;

/** Starts one controller node from application.conf (and -D / environment overrides). */
public final class Main {

  private Main() {}

  public static void main(String[] args) {
    FleetController controller = FleetController.start(ConfigFactory.load());
    controller.system().getWhenTerminated().toCompletableFuture().join();
    System.exit(0);
  }
}
