// Hand-written beside the generated bindings (carecircle_ffi.kt): events as a Kotlin Flow over
// the core's listener (CareCircle.subscribe), so an app collects them in a coroutine scope.
package org.carecircle

import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.channels.awaitClose
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.buffer
import kotlinx.coroutines.flow.callbackFlow

/**
 * Every event committed from the moment collection starts, in commit order. The flow is cold:
 * each collector has its own subscription, which is cancelled when the collector's scope is
 * (or when an operator such as `take` stops collecting). Events missed while nobody collected
 * are in the log: `eventsSince(seq, limit)`.
 *
 * ```
 * scope.launch { careCircle.events().collect { e -> if (e.kind == "alert_raised") notify(e) } }
 * ```
 */
fun CareCircleInterface.events(): Flow<Event> = callbackFlow {
    val subscription = subscribe(object : EventListener {
        // Called on CareCircle's event thread; the buffer is unbounded, so it never blocks there.
        override fun onEvent(event: Event) {
            trySend(event)
        }
    })
    awaitClose {
        subscription.cancel()
        subscription.close()
    }
}.buffer(Channel.UNLIMITED)
