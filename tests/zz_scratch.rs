#[test]
fn probe() {
    let md = "urn:oasis:names:tc:SAML:2.0:metadata";
    let mut d = format!(r#"<md:EntityDescriptor xmlns:md="{md}" entityID="x"><md:Organization>"#).into_bytes();
    d.extend_from_slice(b"ab\xff\xfecd</md:Organization></md:EntityDescriptor>");
    println!("{:?}", fedcert::metadata::parse_bytes(&d).map(|d| d.entities.len()));
    let mut d = format!(r#"<md:EntityDescriptor xmlns:md="{md}" entityID="x"><!-- "#).into_bytes();
    d.extend_from_slice(b"ab\xff\xfecd --></md:EntityDescriptor>");
    println!("{:?}", fedcert::metadata::parse_bytes(&d).map(|d| d.entities.len()));
    let d = format!(r#"<md:EntityDescriptor xmlns:md="{md}" entityID="x"><md:Organization>a&#0;b &#xZZ;</md:Organization></md:EntityDescriptor>"#);
    println!("{:?}", fedcert::metadata::parse_bytes(d.as_bytes()).map(|d| d.entities.len()));
    let d = format!(r#"<md:EntityDescriptor xmlns:md="{md}" entityID="x" entityID="y"></md:EntityDescriptor>"#);
    println!("{:?}", fedcert::metadata::parse_bytes(d.as_bytes()).map(|d| d.entities.len()));
    let d = format!(r#"<md:EntityDescriptor xmlns:md="{md}" entityID="x"><a></md:EntityDescriptor>"#);
    println!("{:?}", fedcert::metadata::parse_bytes(d.as_bytes()).map(|d| d.entities.len()));
    let d = format!(r#"<md:EntityDescriptor xmlns:md="{md}" entityID="x"></md:EntityDescriptor></extra>"#);
    println!("{:?}", fedcert::metadata::parse_bytes(d.as_bytes()).map(|d| d.entities.len()));
    let d = format!(r#"<md:EntityDescriptor xmlns:md="{md}" entityID="a&b"></md:EntityDescriptor>"#);
    println!("{:?}", fedcert::metadata::parse_bytes(d.as_bytes()).map(|d| d.entities.len()));
    let d = format!(r#"<md:EntityDescriptor xmlns:md="{md}" entityID="a"><x>a & b</x></md:EntityDescriptor>"#);
    println!("{:?}", fedcert::metadata::parse_bytes(d.as_bytes()).map(|d| d.entities.len()));
    let d = format!(r#"<md:EntityDescriptor xmlns:md="{md}" entityID="a"><![CDATA[ x </md:EntityDescriptor>"#);
    println!("{:?}", fedcert::metadata::parse_bytes(d.as_bytes()).map(|d| d.entities.len()));
    let d = format!(r#"<md:EntityDescriptor xmlns:md="{md}" xmlns:md="urn:x" entityID="a"/>"#);
    println!("{:?}", fedcert::metadata::parse_bytes(d.as_bytes()).map(|d| d.entities.len()));
    let d = format!(r#"<md:EntityDescriptor xmlns:md="{md}" entityID="a"><zz:x/></md:EntityDescriptor>"#);
    println!("{:?}", fedcert::metadata::parse_bytes(d.as_bytes()).map(|d| d.entities.len()));
    let d = format!(r#"<md:EntityDescriptor xmlns:md="{md}" entityID="a"><!ENTITY x "y"></md:EntityDescriptor>"#);
    println!("{:?}", fedcert::metadata::parse_bytes(d.as_bytes()).map(|d| d.entities.len()));
}
