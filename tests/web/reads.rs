//! `use_async` (`hooks/use_async.rs`): a read runs again when a signal it reads changes, the
//! last answer stays on show while the next is read, and an answer overtaken by a newer read's
//! is dropped.

use std::cell::RefCell;
use std::rc::Rc;

use futures::channel::oneshot;
use leptos::prelude::*;
use salesforce_pane::hooks::use_async;
use wasm_bindgen_test::*;

use crate::support::{sleep, until};

#[wasm_bindgen_test]
async fn an_answer_overtaken_by_a_newer_read_is_dropped() {
    // Effects run on the executor (already set when another test set it first).
    let _ = any_spawner::Executor::init_wasm_bindgen();
    let owner = Owner::new();
    owner.set();
    let source = RwSignal::new(0u32);
    // Each read waits for its own answer, sent from the test.
    let pending = Rc::new(RefCell::new(Vec::<Option<oneshot::Sender<u32>>>::new()));
    let reads = Rc::clone(&pending);
    let answer = use_async(move || {
        let asked = source.get();
        let (tx, rx) = oneshot::channel();
        reads.borrow_mut().push(Some(tx));
        async move { rx.await.ok().map(|v| (asked, v)) }
    });
    let answer_to = |read: usize, value: u32| {
        let tx = pending.borrow_mut()[read].take().unwrap();
        tx.send(value).unwrap();
    };
    let read_count = || pending.borrow().len();

    until("the first read", || read_count() == 1).await;
    assert_eq!(
        answer.get_untracked(),
        None,
        "nothing before the first answer"
    );
    answer_to(0, 10);
    until("the first answer", || answer.get_untracked().is_some()).await;
    assert_eq!(answer.get_untracked(), Some(Some((0, 10))));

    source.set(1);
    until("a second read", || read_count() == 2).await;
    source.set(2);
    until("a third read", || read_count() == 3).await;
    assert_eq!(
        answer.get_untracked(),
        Some(Some((0, 10))),
        "the last answer stays on show while the next is read"
    );
    answer_to(2, 30);
    until("the newest answer", || {
        answer.get_untracked() == Some(Some((2, 30)))
    })
    .await;
    answer_to(1, 20);
    sleep(30).await;
    assert_eq!(
        answer.get_untracked(),
        Some(Some((2, 30))),
        "the overtaken read's late answer is dropped"
    );
    assert_eq!(read_count(), 3, "an answer makes no read");
}
