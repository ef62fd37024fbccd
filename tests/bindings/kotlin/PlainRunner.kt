// Runs JUnit test classes and ends with the plain summary line CI reads,
// "N passed, N failed", exiting non-zero if any test failed.
package org.carecircle.tests

import kotlin.system.exitProcess
import org.junit.runner.JUnitCore
import org.junit.runner.notification.Failure
import org.junit.runner.notification.RunListener
import org.junit.runner.Description

fun main(args: Array<String>) {
    val core = JUnitCore()
    core.addListener(object : RunListener() {
        override fun testStarted(description: Description) = println("test ${description.methodName} ...")
        override fun testFailure(failure: Failure) {
            println("FAILED ${failure.description.methodName}: ${failure.message}")
            println(failure.trace)
        }
    })
    val classes = args.map { Class.forName(it) }.toTypedArray()
    val result = core.run(*classes)
    val failed = result.failureCount
    println("${result.runCount - failed} passed, $failed failed")
    exitProcess(if (failed == 0 && result.runCount > 0) 0 else 1)
}
