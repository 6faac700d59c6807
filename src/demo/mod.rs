//! `fedcert demo`: a built-in federation of scenario domains, certificates generated relative to
//! now, served over loopback HTTP and read through the same fetch → parse → assess path.
