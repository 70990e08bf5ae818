package io.fleetcontrol.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class MainTest {

  private static final String PARALLELISM = "java.util.concurrent.ForkJoinPool.common.parallelism";

  @Test
  void theCommonPoolGetsAtLeastTwoThreadsUnlessToldOtherwise() {
    String before = System.getProperty(PARALLELISM);
    try {
      System.clearProperty(PARALLELISM);
      Main.useTheCommonPool();
      assertTrue(Integer.parseInt(System.getProperty(PARALLELISM)) >= 2,
          "with 1, CompletableFuture runs every async continuation on a new thread");
      System.setProperty(PARALLELISM, "7");
      Main.useTheCommonPool();
      assertEquals("7", System.getProperty(PARALLELISM), "an explicit setting wins");
    } finally {
      if (before == null) {
        System.clearProperty(PARALLELISM);
      } else {
        System.setProperty(PARALLELISM, before);
      }
    }
  }
}
