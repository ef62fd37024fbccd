// Hand-written beside the generated bindings (CareCircle.swift): events as an AsyncSequence
// over the core's listener (CareCircle.subscribe), so an app iterates them in a task.
import Foundation

extension CareCircle {
    /// Every event committed from this call on, in commit order, as an `AsyncStream`. The
    /// subscription ends when the iterating task is cancelled or the loop stops (the stream is
    /// released). Events missed while nobody listened are in the log: `eventsSince(afterSeq:limit:)`.
    ///
    /// ```
    /// Task { for await e in careCircle.events() where e.kind == "alert_raised" { notify(e) } }
    /// ```
    public func events() -> AsyncStream<Event> {
        AsyncStream(bufferingPolicy: .unbounded) { continuation in
            let subscription = self.subscribe(listener: StreamListener(continuation))
            continuation.onTermination = { _ in subscription.cancel() }
        }
    }
}

/// Hands each event to the stream; called on CareCircle's event thread, never blocks there.
private final class StreamListener: EventListener {
    private let continuation: AsyncStream<Event>.Continuation

    init(_ continuation: AsyncStream<Event>.Continuation) {
        self.continuation = continuation
    }

    func onEvent(event: Event) {
        continuation.yield(event)
    }
}
