package io.fleetcontrol.agent.localapi;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fleetcontrol.agent.localapi.CaptureNotifications.Notice;
import io.fleetcontrol.policy.CaptureState;
import io.fleetcontrol.policy.Decision;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class CaptureNotificationsTest {

  private static final Decision ON = new Decision(true, CaptureState.ACTIVE, Decision.Rule.ALLOWED, "capture is allowed");
  private static final Decision PAUSED =
      new Decision(false, CaptureState.PAUSED, Decision.Rule.PAUSE, "paused by the employee until 10:30");
  private static final Decision NOTICE =
      new Decision(false, CaptureState.NOTICE_PENDING, Decision.Rule.NOTICE_PENDING, "the notice is not accepted yet");

  @Test
  void onlyATurnOnOrOffIsToldWithItsReason() {
    AtomicReference<Decision> state = new AtomicReference<>(ON);
    List<Notice> told = new ArrayList<>();
    var notifications = new CaptureNotifications(state::get, told::add);

    notifications.run();
    assertEquals(List.of(), told, "the state the agent starts in is not news");
    notifications.run();
    assertEquals(List.of(), told, "nothing changed");

    state.set(PAUSED);
    notifications.run();
    assertEquals(List.of(new Notice("Capture is OFF", "paused by the employee until 10:30")), told);

    state.set(NOTICE);
    notifications.run();
    assertEquals(1, told.size(), "off for another reason is still off");

    state.set(ON);
    notifications.run();
    assertEquals(new Notice("Capture is ON", "capture is allowed"), told.get(1));
  }
}
