package dev.obscura.mpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.obscura.ring.RingTensor;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Tensor lifetimes: what a scope releases, what it keeps, nesting, detaching and ownership. */
class ScopeTest {
    private final List<Object> released = new ArrayList<>();
    private final Scope.Stack stack = new Scope.Stack(released::add);

    /** A tensor made by the owner: tracked by the innermost open scope. */
    private Object made(final String name) {
        return stack.track(name);
    }

    @Test
    void shouldReleaseEverythingMadeInsideButWhatIsKept() {
        final Object kept;
        try (Scope s = stack.open()) {
            made("a");
            kept = s.keep(made("b"));
            made("c");
            assertEquals(2, s.size());
        }
        assertEquals(List.of("c", "a"), released, "released latest first");
        assertSame("b", kept);
        assertNull(stack.innermost());
    }

    @Test
    void shouldHandAKeptTensorToTheEnclosingScope() {
        try (Scope outer = stack.open()) {
            try (Scope inner = stack.open()) {
                made("temporary");
                inner.keep(made("result"));
            }
            assertEquals(List.of("temporary"), released);
            assertTrue(outer.owns("result"), "the kept tensor belongs to the enclosing scope");
        }
        assertEquals(List.of("temporary", "result"), released);
    }

    @Test
    void shouldLeaveWhatWasMadeOutsideEveryScopeToTheCaller() {
        final Object before = made("before");
        try (Scope s = stack.open()) {
            assertSame(before, s.keep(before), "not owned: returned unchanged");
            assertNull(s.keep(null));
        }
        made("after");
        assertTrue(released.isEmpty());
    }

    @Test
    void shouldCloseTheScopesOpenedInsideFirst() {
        final Scope outer = stack.open();
        final Scope inner = stack.open();
        made("inner");
        outer.close();
        assertTrue(inner.isClosed());
        assertEquals(List.of("inner"), released);
        inner.close(); // idempotent
        outer.close();
        assertEquals(1, released.size());
        assertThrows(IllegalStateException.class, () -> inner.keep("x"));
        assertNull(stack.innermost());
    }

    @Test
    void shouldDetachFromEveryScopeAndOwnWhatItIsGiven() {
        try (Scope outer = stack.open()) {
            final Object parameter = made("parameter");
            final Object mask;
            try (Scope inner = stack.open()) {
                assertSame(parameter, stack.detach(parameter));
                assertFalse(outer.owns(parameter));
                mask = made("mask");
                outer.own(mask);
                assertFalse(inner.owns(mask), "one owner at a time");
            }
            assertTrue(released.isEmpty(), "owned by the outer scope now");
            assertTrue(outer.owns(mask));
        }
        assertEquals(List.of("mask"), released);
    }

    @Test
    void shouldReleaseTheRestWhenOneReleaseFails() {
        final List<Object> done = new ArrayList<>();
        final Scope.Stack failing = new Scope.Stack(t -> {
            if ("bad".equals(t)) {
                throw new IllegalStateException("release failed");
            }
            done.add(t);
        });
        final Scope s = failing.open();
        failing.track("a");
        failing.track("bad");
        failing.track("c");
        assertThrows(IllegalStateException.class, s::close);
        assertEquals(List.of("c", "a"), done);
        assertTrue(s.isClosed());
    }

    @Test
    void shouldReleaseSecretTensorsAndKeepTheirMemoryWhenKept() {
        final Scope.Stack tensors = new Scope.Stack(t -> ((SecretTensor) t).close());
        final SecretTensor kept;
        final SecretTensor dropped;
        final SecretTensor view;
        try (Scope s = tensors.open()) {
            dropped = tensors.track(new SecretTensor(RingTensor.zeros(3), 0));
            view = dropped.reshape(1, 3);
            kept = s.keep(tensors.track(new SecretTensor(RingTensor.zeros(2), 16)));
        }
        assertFalse(dropped.share().isOpen());
        assertFalse(view.share().isOpen(), "a view dies with its owner");
        assertTrue(kept.share().isOpen());
        kept.close();
    }
}
