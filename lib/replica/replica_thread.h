/*
 * replica_thread.h - the replica's sync thread (SPEC section 9): its main
 * loop, which opens a session, loads the copy in full, then polls
 * (replica_load.h) or follows a refreshAndPersist search
 * (replica_push.h), and reloads it in full every refresh seconds.
 */
#ifndef MAILSWITCH_REPLICA_THREAD_H
#define MAILSWITCH_REPLICA_THREAD_H

/*
 * The thread's body: arg is the replica_state_t (replica_state.h) it
 * syncs, started with replica_state_start().  Runs until the state is
 * being stopped; the replica keeps serving whatever fails meanwhile.
 * Returns NULL.
 */
void	*replica_thread_main(void *arg);

#endif /* MAILSWITCH_REPLICA_THREAD_H */
