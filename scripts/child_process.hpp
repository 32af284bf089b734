#pragma once
// A program started as a child process (the queue's worker processes, in tests and benchmarks): its
// standard output goes to /dev/null (or to a file, truncated), extra environment variables may be
// added, and it is killed with SIGKILL if still running when the object goes away.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <stdexcept>
#include <string>
#include <vector>

extern char** environ;

namespace cascade_support {

class child_process {
public:
    /// `own_group`: the child leads a process group of its own, and SIGKILL goes to the whole group (a
    /// program that starts helpers of its own, as a browser does, leaves none behind).
    child_process(std::string program, std::vector<std::string> args, std::vector<std::string> env_extra = {},
                  std::string const& out = "/dev/null", bool own_group = false)
        : group_(own_group) {
        args.insert(args.begin(), std::move(program));
        std::vector<char*> argv;
        for (auto& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        std::vector<std::string> env;
        for (char** e = environ; *e; ++e) env.emplace_back(*e);
        for (auto& e : env_extra) env.push_back(std::move(e));
        std::vector<char*> envp;
        for (auto& e : env) envp.push_back(e.data());
        envp.push_back(nullptr);
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        posix_spawnattr_t attributes;
        posix_spawnattr_init(&attributes);
        if (own_group) {
            posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
            posix_spawnattr_setpgroup(&attributes, 0);
        }
        int const rc = posix_spawn(&pid_, argv[0], &actions, &attributes, argv.data(), envp.data());
        posix_spawnattr_destroy(&attributes);
        posix_spawn_file_actions_destroy(&actions);
        if (rc != 0) throw std::runtime_error("could not start " + args[0]);
    }
    child_process(child_process&& o) noexcept : pid_(o.pid_), group_(o.group_) { o.pid_ = -1; }
    child_process(child_process const&) = delete;
    ~child_process() {
        if (pid_ > 0) kill9();
    }
    /// Waits for the process to end; its wait status.
    int wait() {
        if (pid_ <= 0) return 0;
        int status = 0;
        waitpid(pid_, &status, 0);
        pid_ = -1;
        return status;
    }
    /// Whether it has ended, without waiting (reaped then: its wait status in `status`).
    bool exited(int* status = nullptr) {
        if (pid_ <= 0) return true;
        int s = 0;
        if (waitpid(pid_, &s, WNOHANG) != pid_) return false;
        pid_ = -1;
        if (status) *status = s;
        return true;
    }
    /// Asks it to stop (SIGTERM) and waits. A process already reaped is left alone: kill(-1, ...)
    /// would signal every process this user may signal.
    int terminate() {
        if (pid_ <= 0) return 0;
        ::kill(pid_, SIGTERM);
        return wait();
    }
    /// Sends `sig` without waiting (wait() or exited() then tell how it ended).
    void signal(int sig) {
        if (pid_ > 0) ::kill(pid_, sig);
    }
    void kill9() {
        if (pid_ <= 0) return;
        ::kill(group_ ? -pid_ : pid_, SIGKILL);
        wait();
    }

private:
    pid_t pid_ = -1;
    bool group_ = false;
};

}  // namespace cascade_support
