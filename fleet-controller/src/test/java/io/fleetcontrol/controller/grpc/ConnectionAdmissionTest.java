package io.fleetcontrol.controller.grpc;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Attributes;
import org.junit.jupiter.api.Test;

/** The connection cap: admitted connections carry on past it, the others wait for a free place. */
class ConnectionAdmissionTest {

  @Test
  void connectionsPastTheCapWaitUntilAnAdmittedOneCloses() {
    var admission = new ConnectionAdmission(2);
    Attributes first = admission.transportReady(Attributes.EMPTY);
    Attributes second = admission.transportReady(Attributes.EMPTY);
    Attributes third = admission.transportReady(Attributes.EMPTY);

    assertTrue(admission.admitted(first));
    assertTrue(admission.admitted(second));
    assertFalse(admission.admitted(third), "the third connection's calls are refused");
    assertFalse(admission.admitted(third), "asking again does not admit it");
    assertTrue(admission.admitted(first), "the admitted ones are not locked out by the one waiting");

    admission.transportTerminated(first);
    assertTrue(admission.admitted(third), "admitted at its next call once a place is free");
    Attributes fourth = admission.transportReady(Attributes.EMPTY);
    assertFalse(admission.admitted(fourth));

    // A connection that never got in frees no place when it closes.
    admission.transportTerminated(fourth);
    Attributes fifth = admission.transportReady(Attributes.EMPTY);
    assertFalse(admission.admitted(fifth));
  }

  @Test
  void aConnectionThatClosesBeforeItWasReadyTakesNoPlaceAndIsNoError() {
    var admission = new ConnectionAdmission(1);
    // grpc-java reports a connection that closed mid-handshake with no attributes at all.
    admission.transportTerminated(null);
    Attributes first = admission.transportReady(Attributes.EMPTY);
    Attributes second = admission.transportReady(Attributes.EMPTY);

    assertTrue(admission.admitted(first));
    assertFalse(admission.admitted(second), "the early close freed no place that was not taken");
  }
}
