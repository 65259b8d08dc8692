// vcsim for vmconsole-gui's tests: govmomi's vCenter simulator (Debian's golang-github-vmware-govmomi-dev, which
// ships the simulator library but no vcsim command) started on a chosen loopback address with TLS.
//
// It prints one line "VCSIM_URL=https://user:pass@host:port/sdk" once it listens, and stops on SIGINT/SIGTERM.
package main

import (
	"crypto/tls"
	"flag"
	"fmt"
	"log"
	"net/url"
	"os"
	"os/signal"
	"syscall"

	"github.com/vmware/govmomi/simulator"
	_ "github.com/vmware/govmomi/vapi/simulator" // the /rest session endpoints
)

func main() {
	listen := flag.String("l", "127.0.0.1:0", "listen address (port 0: any free port)")
	username := flag.String("username", "user", "login user name")
	password := flag.String("password", "pass", "login password")
	machines := flag.Int("vm", 2, "VMs per host and per cluster")
	clusters := flag.Int("cluster", 1, "clusters per datacenter")
	flag.Parse()

	model := simulator.VPX()
	model.Machine = *machines
	model.Cluster = *clusters
	if err := model.Create(); err != nil {
		log.Fatal(err)
	}
	model.Service.RegisterEndpoints = true
	model.Service.Listen = &url.URL{Host: *listen, User: url.UserPassword(*username, *password)}
	model.Service.TLS = new(tls.Config)
	server := model.Service.NewServer()
	fmt.Printf("VCSIM_URL=%s\n", server.URL)
	_ = os.Stdout.Sync()

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	<-stop
	// A test server: drop clients still waiting (e.g. in WaitForUpdatesEx) instead of waiting for them.
	server.CloseClientConnections()
	server.Close()
	model.Remove() // the datastore directories vcsim made
}
