#[glasswing::test]
async fn smoke() {
    let v = glasswing::select! {
        v = async { 1 } => v,
        Some(w) = async { Some(2) } => w,
    };
    assert!(v == 1 || v == 2);
    let (a, b) = glasswing::join!(async { 1 }, async { "x" });
    assert_eq!((a, b), (1, "x"));
    let r: Result<(u8, u8), ()> = glasswing::try_join!(async { Ok(1) }, async { Ok(2) });
    assert_eq!(r, Ok((1, 2)));
    let f = async { 5 };
    glasswing::pin!(f);
    assert_eq!(f.as_mut().await, 5);
}
