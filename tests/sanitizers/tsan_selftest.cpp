// Checks tsan_qt_annotations.cpp: built and run by tests/sanitize.sh tsan
// before the tests. With the annotations ThreadSanitizer must report exactly
// the one real race below (kRacy) and none of the Qt-synchronised accesses;
// a Qt upgrade that changes the interposed functions shows up here first.
#include <QCoreApplication>
#include <QMutex>
#include <QThread>
#include <QWaitCondition>

#include <cstdio>

namespace {
int g_beforePost = 0; // written before invokeMethod: happens before the functor
int g_racy = 0;       // written after invokeMethod, unsynchronised: the race
QMutex g_mutex;
QWaitCondition g_woken;
bool g_ready = false;
int g_guarded = 0; // under g_mutex, handed over through QWaitCondition
} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QThread thread;
    thread.start();
    QObject worker;
    worker.moveToThread(&thread);
    QThread::msleep(100); // the worker idles in its event loop
    g_beforePost = 1;
    QMetaObject::invokeMethod(&worker, [] {
        std::printf("beforePost=%d\n", g_beforePost);
        QThread::msleep(50);
        std::printf("racy=%d\n", g_racy); // kRacy: the one expected report
    });
    g_racy = 1;
    QThread::msleep(200);
    QMetaObject::invokeMethod(&worker, [] {
        QMutexLocker locker(&g_mutex);
        g_guarded = 5;
        g_ready = true;
        g_woken.wakeOne();
    });
    {
        QMutexLocker locker(&g_mutex);
        while (!g_ready)
            g_woken.wait(&g_mutex);
        ++g_guarded;
    }
    int result = 0;
    QMetaObject::invokeMethod(&worker, [] { return g_guarded; }, Qt::BlockingQueuedConnection, &result);
    thread.quit();
    thread.wait();
    return result == 6 ? 0 : 1;
}
