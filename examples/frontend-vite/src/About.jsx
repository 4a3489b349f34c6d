export default function About() {
  return <p>Cruddur is a micro-blogging app.</p>
}
