// ThreadSanitizer annotations for Qt's synchronisation, linked only into the
// tests/sanitize.sh tsan build (as an object on the link line, see there).
//
// Debian's Qt is not built with -fsanitize=thread, so TSan cannot see the
// happens-before edges that Qt creates inside libQt6Core (QMutex slow path,
// QSemaphore, the posted-event queue). Without them every value handed to
// another thread through Qt is reported as a race, which buries real ones.
// Rather than suppress those reports (which would hide real races in the
// same code), this file interposes the few exported Qt functions our code
// calls to synchronise, and tells TSan what they guarantee:
//
// - QWaitCondition::wait(QMutex*): Qt unlocks and relocks the mutex inside
//   libQt6Core, where QMutex's TSan annotations (qtsan_impl.h, inline in
//   our code only) are compiled out. Without this TSan believes the waiter
//   still holds the mutex ("double lock of a mutex") and misses its edges.
// - QMetaObject::invokeMethodImpl (invokeMethod with a functor): the call is
//   posted as an event. Everything the caller did before posting happens
//   before the functor runs; with BlockingQueuedConnection the functor's
//   effects happen before invokeMethod returns.
// - QObject::connectImpl + QMetaObject::activate (signals connected to a
//   functor or pointer-to-member slot, queued across threads): what the
//   sender did before emitting happens before the slot runs. This is the
//   FIFO guarantee of the event queue.
//
// Calls made inside Qt (its own emissions, QThread::started) are bound
// inside libQt6Core and cannot be interposed; they are covered by the
// pthread/eventfd interceptors or by the narrow suppressions in tsan.supp.
// Not instrumented itself (tests/sanitize.sh compiles it without
// -fsanitize=thread): it stands in for Qt internals. No version tag, so the
// object links into CMake's try_compile checks without Qt.
#define QT_NO_VERSION_TAGGING
#include <QDeadlineTimer>
#include <QMetaObject>
#include <QMutex>
#include <QObject>
#include <QWaitCondition>

#include <dlfcn.h>
#include <sanitizer/tsan_interface.h>

#include <cstdio>
#include <cstdlib>

namespace {

template<typename Fn>
Fn realFunction(const char *mangled)
{
    void *sym = dlsym(RTLD_NEXT, mangled);
    if (!sym) {
        std::fprintf(stderr, "tsan_qt_annotations: %s not found\n", mangled);
        std::abort();
    }
    return reinterpret_cast<Fn>(sym);
}

void annotateUnlock(QMutex *mutex)
{
    __tsan_mutex_pre_unlock(mutex, 0);
    __tsan_mutex_post_unlock(mutex, 0);
}

void annotateLock(QMutex *mutex)
{
    __tsan_mutex_pre_lock(mutex, 0);
    __tsan_mutex_post_lock(mutex, 0, 0);
}

// Wraps a slot object so that each call acquires what was released for it
// (by the poster or the emitting sender) and releases its own effects to
// done, when set (BlockingQueuedConnection).
class AnnotatedSlot : public QtPrivate::QSlotObjectBase
{
public:
    AnnotatedSlot(QtPrivate::QSlotObjectBase *inner, const void *syncWith, const void *done)
        : QSlotObjectBase(&impl), m_inner(inner), m_syncWith(syncWith), m_done(done)
    {
    }

private:
    static void impl(int which, QSlotObjectBase *base, QObject *receiver, void **args, bool *ret)
    {
        auto *self = static_cast<AnnotatedSlot *>(base);
        switch (which) {
        case Destroy:
            // Qt counts the references outside TSan's view: the thread that
            // drops the last one sees what every holder did (acq_rel).
            __tsan_acquire(self);
            __tsan_acquire(const_cast<void *>(self->m_syncWith));
            self->m_inner->destroyIfLastRef();
            delete self;
            break;
        case Call:
            __tsan_acquire(const_cast<void *>(self->m_syncWith));
            self->m_inner->call(receiver, args);
            if (self->m_done)
                __tsan_release(const_cast<void *>(self->m_done));
            __tsan_release(self);
            break;
        case Compare:
            // Only connectImpl's duplicate check (Qt::UniqueConnection) and
            // disconnect() by slot compare; both reach the inner object.
            *ret = self->m_inner->compare(args);
            break;
        }
    }

    QtPrivate::QSlotObjectBase *m_inner;
    const void *m_syncWith;
    const void *m_done;
};

} // namespace

bool QWaitCondition::wait(QMutex *lockedMutex, QDeadlineTimer deadline)
{
    using Real = bool (*)(QWaitCondition *, QMutex *, QDeadlineTimer);
    static const Real real = realFunction<Real>("_ZN14QWaitCondition4waitEP6QMutex14QDeadlineTimer");
    annotateUnlock(lockedMutex);
    const bool woken = real(this, lockedMutex, deadline);
    annotateLock(lockedMutex);
    return woken;
}

bool QWaitCondition::wait(QMutex *lockedMutex, unsigned long time)
{
    using Real = bool (*)(QWaitCondition *, QMutex *, unsigned long);
    static const Real real = realFunction<Real>("_ZN14QWaitCondition4waitEP6QMutexm");
    annotateUnlock(lockedMutex);
    const bool woken = real(this, lockedMutex, time);
    annotateLock(lockedMutex);
    return woken;
}

bool QMetaObject::invokeMethodImpl(QObject *object, QtPrivate::QSlotObjectBase *slot,
                                   Qt::ConnectionType type, void *ret)
{
    using Real = bool (*)(QObject *, QtPrivate::QSlotObjectBase *, Qt::ConnectionType, void *);
    static const Real real = realFunction<Real>(
        "_ZN11QMetaObject16invokeMethodImplEP7QObjectPN9QtPrivate15QSlotObjectBaseEN2Qt14ConnectionTypeEPv");
    // done's address is the sync object for the functor's effects; only a
    // blocking call waits for them.
    char done = 0;
    const bool blocking = type == Qt::BlockingQueuedConnection;
    auto *wrapped = new AnnotatedSlot(slot, slot, blocking ? &done : nullptr);
    __tsan_release(slot);
    const bool invoked = real(object, wrapped, type, ret);
    if (blocking)
        __tsan_acquire(&done);
    return invoked;
}

QMetaObject::Connection QObject::connectImpl(const QObject *sender, void **signal,
                                             const QObject *receiver, void **slotPtr,
                                             QtPrivate::QSlotObjectBase *slot,
                                             Qt::ConnectionType type, const int *types,
                                             const QMetaObject *senderMetaObject)
{
    using Real = QMetaObject::Connection (*)(const QObject *, void **, const QObject *, void **,
                                             QtPrivate::QSlotObjectBase *, Qt::ConnectionType,
                                             const int *, const QMetaObject *);
    static const Real real = realFunction<Real>(
        "_ZN7QObject11connectImplEPKS_PPvS1_S3_PN9QtPrivate15QSlotObjectBaseEN2Qt14ConnectionTypeEPKiPK11QMetaObject");
    if (slot)
        slot = new AnnotatedSlot(slot, sender, nullptr);
    return real(sender, signal, receiver, slotPtr, slot, type, types, senderMetaObject);
}

void QMetaObject::activate(QObject *sender, const QMetaObject *metaObject, int localSignalIndex,
                           void **argv)
{
    using Real = void (*)(QObject *, const QMetaObject *, int, void **);
    static const Real real = realFunction<Real>("_ZN11QMetaObject8activateEP7QObjectPKS_iPPv");
    __tsan_release(sender);
    real(sender, metaObject, localSignalIndex, argv);
}
